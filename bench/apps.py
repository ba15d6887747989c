"""The ASGI apps the benchmark servers run: `uvicorn bench.apps:NAME --factory`.

DocChat itself runs from its own factory, `docchat.main:create_app`, on settings from the
environment, exactly as in production. The others are baselines, one layer at a time; the
full-stack template's way of serving the same query (the peer DocChat is measured against)
and the other candidates for DocChat's data path; and DocChat with a slow language model
swapped in through `dependency_overrides`.
"""

import asyncio
import dataclasses
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, defer, sessionmaker
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import Response

from docchat.api.deps import Page, get_llm, pagination
from docchat.api.timing import HEADER
from docchat.core.config import Settings, get_settings
from docchat.core.db import build_engine, build_session_factory
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


# --- the peer and the candidates for DocChat's data path ------------------------------------
#
# All on DocChat's middleware, its settings from the environment, and its query for a page
# of documents: only the way the session reaches the route and the thread it runs on differ.


def _peer_app() -> tuple[FastAPI, sessionmaker[Session]]:
    """An app as the full-stack template builds it: the engine's default pool (5 + 10
    overflow), anyio's default 40 threads, DocChat's middleware."""
    settings = get_settings()
    sessions = build_session_factory(build_engine(settings.database_url))
    app = FastAPI()
    install_middleware(app, settings)
    return app, sessions


# The template's query: Document objects, as its `select(Item).offset().limit()`; given the
# head start DocChat's list had before it read rows (built once, the content deferred).
_TEMPLATE_PAGE = (
    select(Document)
    .options(defer(Document.content))
    .order_by(Document.id)
    .offset(bindparam("skip"))
    .limit(bindparam("limit"))
)


def page_of_documents(session: Session, page: Page) -> list[Document]:
    return list(session.scalars(_TEMPLATE_PAGE, {"skip": page.skip, "limit": page.limit}))


def _template_route(app: FastAPI, db: Any) -> None:
    SessionDep = Annotated[Session, db]  # noqa: N806 (the template's name for it)

    @app.get("/documents/", response_model=list[DocumentOut])
    def list_documents(session: SessionDep, skip: int = 0, limit: int = 20) -> list[Document]:
        return page_of_documents(session, Page(skip=skip, limit=limit))


def template_peer() -> FastAPI:
    """The full-stack template's way: `def get_db()` yielding a Session, a `def` route."""
    app, sessions = _peer_app()

    def get_db() -> Iterator[Session]:
        with sessions() as session:
            yield session

    _template_route(app, Depends(get_db))
    return app


def template_function_scope() -> FastAPI:
    """The peer with `Depends(get_db, scope="function")`: its teardown runs before the
    response is sent, but after the response model's validation, itself a threadpool hop."""
    app, sessions = _peer_app()

    def get_db() -> Iterator[Session]:
        with sessions() as session:
            yield session

    _template_route(app, Depends(get_db, scope="function"))
    return app


def template_async_teardown() -> FastAPI:
    """The peer with `async def get_db()`: no hop to open or close the session."""
    app, sessions = _peer_app()

    async def get_db() -> AsyncIterator[Session]:
        with sessions() as session:
            yield session

    _template_route(app, Depends(get_db))
    return app


def one_hop_threadpool() -> FastAPI:
    """An async route whose read and response model run in one anyio threadpool hop."""
    app, sessions = _peer_app()

    def read(page: Page) -> list[DocumentOut]:
        with sessions() as session:
            documents = page_of_documents(session, page)
            return [DocumentOut.model_validate(d) for d in documents]

    @app.get("/documents/")
    async def list_documents(page: Annotated[Page, Depends(pagination)]) -> list[DocumentOut]:
        return await run_in_threadpool(read, page)

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


def docchat_read_on_loop() -> FastAPI:
    """DocChat, its list's read run in place of the hop to a database thread: the bound on
    what that hop costs (sqlite3 hands the GIL over at every row it steps through)."""
    from docchat.api.routes import documents

    async def read_here(work: Callable[..., Any], session: Session, *args: Any) -> Any:
        try:
            return work(session, *args)
        finally:
            session.close()

    documents.db_read = read_here  # type: ignore[attr-defined,assignment]  # here only
    return create_app()


def docchat_four_readers() -> FastAPI:
    """DocChat with four threads for reads on SQLite, as it had before (now two)."""
    import docchat.main
    from docchat.core import capacity

    def four_readers(settings: Settings) -> capacity.Capacity:
        return dataclasses.replace(capacity.capacity_for(settings), read_threads=4)

    docchat.main.capacity_for = four_readers  # type: ignore[attr-defined]  # here only
    return create_app()


_ORM_PAGE = (
    select(*(getattr(Document, name) for name in DocumentOut.model_fields))
    .order_by(Document.id)
    .offset(bindparam("skip"))
    .limit(bindparam("limit"))
)


def docchat_orm_page() -> FastAPI:
    """DocChat with its page read as before: the ORM's columns, rows validated by attribute."""
    from docchat.api.routes import documents

    def orm_page(session: Session, page: Page) -> list[DocumentOut]:
        rows = session.execute(_ORM_PAGE, {"skip": page.skip, "limit": page.limit}).all()
        return documents._DOCUMENTS_OUT.validate_python(rows, from_attributes=True)

    documents.page_of_documents = orm_page  # here only
    return create_app()


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
