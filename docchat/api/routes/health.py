"""Liveness and readiness, for load balancers and orchestrators."""

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from docchat.schemas import ErrorOut

router = APIRouter(prefix="/health", tags=["health"])


@router.get("")
async def liveness() -> dict[str, str]:
    """The process is up and serving requests."""
    return {"status": "ok"}


def _ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        if engine.dialect.name == "sqlite":
            # A deleted database file (its volume gone, say) still answers through the
            # connections the pool holds open: look for the file itself.
            for _, name, path in conn.execute(text("PRAGMA database_list")):
                if name == "main" and path and not Path(path).exists():
                    raise FileNotFoundError(path)


@router.get(
    "/ready",
    responses={503: {"model": ErrorOut, "description": "Not started, or the database is down."}},
)
async def readiness(request: Request) -> dict[str, str]:
    """The app has started and the database answers; 503 when not."""
    if not request.app.state.started:
        # Served without its lifespan (a TestClient outside `with`): no tables yet.
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the app has not started")
    try:
        await run_in_threadpool(_ping, request.app.state.engine)
    except (SQLAlchemyError, FileNotFoundError) as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"database unavailable ({type(exc).__name__})",
        ) from None
    return {"status": "ready", "database": "ok"}
