"""The ASGI apps the benchmark servers run: `uvicorn bench.apps:NAME --factory`.

DocChat itself runs from its own factory, `docchat.main:create_app`, on settings from the
environment, exactly as in production. The others are baselines, one layer at a time, and
DocChat with a slow language model swapped in through `dependency_overrides`.
"""

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Annotated

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import Response

from docchat.api.deps import Page, get_llm
from docchat.api.routes.documents import page_of_documents
from docchat.api.timing import HEADER
from docchat.core.config import Settings
from docchat.main import create_app, install_middleware
from docchat.models import Document
from docchat.schemas import DocumentOut
from docchat.services.search_index import Hit


def bare() -> FastAPI:
    """The baseline: FastAPI, one async endpoint, no middleware, no database."""
    app = FastAPI()

    @app.get("/documents/")
    async def list_documents() -> list[None]:
        return []

    return app


def bare_with_lesson_timing() -> FastAPI:
    """The baseline plus the lesson's timing middleware, a BaseHTTPMiddleware (in ms)."""
    app = bare()

    async def add_time(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        response.headers[HEADER] = f"{(time.perf_counter() - start) * 1000:.2f}"
        return response

    app.add_middleware(BaseHTTPMiddleware, dispatch=add_time)
    return app


def bare_with_docchat_middleware() -> FastAPI:
    """The baseline plus DocChat's own middleware stack: CORS, then pure-ASGI timing."""
    app = bare()
    install_middleware(app, Settings(_env_file=None))
    return app


# --- a proposal, measured: dependencies that do no I/O declared `async def` ---------------


async def _session_factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


def _db(sessions: Annotated[sessionmaker[Session], Depends(_session_factory)]) -> Iterator[Session]:
    with sessions() as session:
        yield session


async def _pagination(
    skip: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page:
    return Page(skip=skip, limit=limit)


def docchat_with_async_light_deps() -> FastAPI:
    """DocChat, with `GET /documents/` served by the same code except that the two
    dependencies that do no I/O (the session factory and pagination) are `async def`,
    so they run on the event loop instead of costing a threadpool round trip each."""
    app = create_app()

    @app.get("/documents/", response_model=list[DocumentOut])
    def list_documents(
        session: Annotated[Session, Depends(_db)], page: Annotated[Page, Depends(_pagination)]
    ) -> list[Document]:
        return list(session.scalars(page_of_documents(page)))

    # First match wins: put this route before the included routers' `GET /documents/`.
    app.router.routes.insert(0, app.router.routes.pop())
    return app


def docchat_with_one_thread_hop() -> FastAPI:
    """DocChat, with `GET /documents/` an async endpoint that runs the same query, session
    and serialisation included, in a single threadpool call: no session dependency at all.
    Not a proposal for the lesson, whose point is the dependency; a measure of what the
    threadpool round trips of the dependency style cost."""
    app = create_app()

    def _page_of_documents(sessions: sessionmaker[Session], page: Page) -> list[DocumentOut]:
        with sessions() as session:
            return [DocumentOut.model_validate(d) for d in session.scalars(page_of_documents(page))]

    @app.get("/documents/")
    async def list_documents(
        request: Request, page: Annotated[Page, Depends(_pagination)]
    ) -> list[DocumentOut]:
        return await run_in_threadpool(_page_of_documents, request.app.state.sessions, page)

    app.router.routes.insert(0, app.router.routes.pop())
    return app


# --- DocChat with a language model that takes its time ------------------------------------


class SleepingLLM:
    """Answers after `delay_s`: awaiting (`blocking=False`) or blocking the event loop."""

    def __init__(self, delay_s: float, blocking: bool) -> None:
        self.delay_s = delay_s
        self.blocking = blocking

    async def answer(self, question: str, passages: Sequence[Hit]) -> str:
        if self.blocking:
            time.sleep(self.delay_s)  # the mistake this benchmark measures  # noqa: ASYNC251
        else:
            await asyncio.sleep(self.delay_s)
        return f"An answer citing {len(passages)} passage(s)."

    async def aclose(self) -> None:
        return None


def docchat_with_sleeping_llm() -> FastAPI:
    """DocChat whose LLM client takes BENCH_LLM_DELAY_S; BENCH_LLM_BLOCKING=1 blocks the loop."""
    app = create_app()
    llm = SleepingLLM(
        float(os.environ.get("BENCH_LLM_DELAY_S", "0.2")),
        blocking=os.environ.get("BENCH_LLM_BLOCKING") == "1",
    )

    async def sleeping_llm() -> SleepingLLM:
        return llm

    app.dependency_overrides[get_llm] = sleeping_llm
    return app
