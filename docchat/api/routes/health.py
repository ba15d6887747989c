"""Liveness and readiness, for load balancers and orchestrators."""

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import SQLAlchemyError

from docchat.core.busy import RETRY_AFTER_S, is_busy
from docchat.core.db import probe_write, unavailable_reason
from docchat.schemas import ErrorOut

router = APIRouter(prefix="/health", tags=["health"])


@router.get("")
async def liveness() -> dict[str, str]:
    """The process is up and serving requests."""
    return {"status": "ok"}


@router.get(
    "/ready",
    responses={503: {"model": ErrorOut, "description": "Not started, or the database is down."}},
)
async def readiness(request: Request) -> dict[str, str]:
    """Ready when the app has started and the database takes a write (rolled back)."""
    if not request.app.state.started:
        # Served without its lifespan (a TestClient outside `with`): no tables yet.
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "the app has not started",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
    try:
        await run_in_threadpool(probe_write, request.app.state.engine)
    except SQLAlchemyError as exc:
        if is_busy(exc):  # busy is not down: the writes ahead of the probe will finish
            return {"status": "ready", "database": "busy"}
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"database unavailable ({unavailable_reason(exc)})",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        ) from None
    return {"status": "ready", "database": "ok"}
