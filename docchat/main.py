"""The app factory: every app gets its own settings, engine, threads and LLM client.

Serve it through the factory: `docchat serve`, or `uvicorn --factory docchat.main:create_app`.
Importing this module builds nothing and reads no environment.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware

from docchat import __version__
from docchat.api.body_limits import (
    SMALL_BODY_BYTES,
    DescribeBodyLimitMiddleware,
    document_body_limit,
)
from docchat.api.errors import install_error_handlers
from docchat.api.routes import chat, documents, health
from docchat.api.timing import HEADER as TIMING_HEADER
from docchat.api.timing import ProcessTimeMiddleware
from docchat.core.capacity import capacity_for
from docchat.core.config import Settings, get_settings
from docchat.core.db import build_engine, build_session_factory, init_db
from docchat.core.db_executor import EXECUTORS, DatabaseExecutor, DatabaseExecutors
from docchat.queue.dispatch import build_processor
from docchat.queue.recovery import recover_once
from docchat.services.llm import build_llm_client

DESCRIPTION = """Upload documents, let them be chunked and indexed in the background,
then ask questions and get answers that cite their sources."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build a DocChat app. Without `settings`, read them from the environment and `.env`."""
    settings = settings if settings is not None else get_settings()
    capacity = capacity_for(settings)
    engine = build_engine(
        settings.database_url,
        pool_size=capacity.connections,
        pool_timeout=settings.pool_timeout_s,
    )
    executors = DatabaseExecutors(
        reads=DatabaseExecutor("docchat-db-read", capacity.read_threads),
        writes=DatabaseExecutor("docchat-db-write", capacity.write_threads),
    )
    sessions = build_session_factory(engine, **{EXECUTORS: executors})

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Background tasks and start-up work share anyio's threads; each may hold a
        # connection, and the pool has one for each of them (core/capacity.py).
        to_thread.current_default_thread_limiter().total_tokens = capacity.background_threads
        await run_in_threadpool(init_db, engine)
        # Documents a crash left half-done are finished (or queued) before the first
        # request, by one process of the deployment (docchat/queue/recovery.py).
        await run_in_threadpool(recover_once, sessions, settings, app.state.processor)
        app.state.llm = build_llm_client(settings)
        app.state.started = True
        try:
            yield
        finally:
            app.state.started = False
            await app.state.llm.aclose()
            await run_in_threadpool(executors.shutdown)
            engine.dispose()

    app = FastAPI(title="DocChat", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    # Where a document goes to be processed: this process's threads, or Celery workers. The
    # routes (ProcessorDep) and the start-up recovery both take it from here.
    app.state.processor = build_processor(settings, sessions)
    app.state.started = False  # until the lifespan has created the tables

    # Each body is counted as it arrives and refused past its limit, before it is parsed.
    documents_limit = document_body_limit(settings.max_upload_bytes)
    app.include_router(documents.router, max_body_size=documents_limit)
    app.include_router(chat.router, max_body_size=SMALL_BODY_BYTES)
    app.include_router(health.router, max_body_size=SMALL_BODY_BYTES)
    install_error_handlers(app)
    install_middleware(app, settings)
    return app


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """CORS from the settings, then the timing header around everything.

    CORS allows exactly `settings.cors_origins`, with credentials only when
    `settings.cors_allow_credentials` says so, any method and header, and lets browsers read the
    timing header (TIMING_HEADER). The timing middleware is added last, so it is the outermost:
    its time includes CORS, and even a preflight answered by CORS carries the header.
    """
    app.add_middleware(DescribeBodyLimitMiddleware)  # innermost: its 413 gets CORS headers
    ### BEGIN SOLUTION 05
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=settings.cors_allow_credentials,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=[TIMING_HEADER],
    )
    # Added last, so outermost: the time includes CORS and everything inside it.
    app.add_middleware(ProcessTimeMiddleware)
    ### END SOLUTION
    ### BEGIN STUB
    # # TODO(stage 05): add CORS and the timing middleware. Until then: neither.
    # return None
    ### END STUB
