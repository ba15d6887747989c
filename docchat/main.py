"""The app factory: every app gets its own settings, engine and LLM client."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

from docchat import __version__
from docchat.api.routes import chat, documents, health
from docchat.api.timing import HEADER as TIMING_HEADER
from docchat.api.timing import ProcessTimeMiddleware
from docchat.core.config import Settings, get_settings
from docchat.core.db import build_engine, build_session_factory, init_db
from docchat.services.llm import LLMError, build_llm_client
from docchat.services.processing import recover_unfinished

DESCRIPTION = """Upload documents, let them be chunked and indexed in the background,
then ask questions and get answers that cite their sources."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build a DocChat app. Without `settings`, read them from the environment and `.env`."""
    settings = settings if settings is not None else get_settings()
    engine = build_engine(settings.database_url)
    sessions = build_session_factory(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(init_db, engine)
        # Documents a crash left half-done are finished before the first request.
        await run_in_threadpool(recover_unfinished, sessions, settings)
        app.state.llm = build_llm_client(settings)
        app.state.started = True
        try:
            yield
        finally:
            app.state.started = False
            await app.state.llm.aclose()
            engine.dispose()

    app = FastAPI(title="DocChat", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.started = False  # until the lifespan has created the tables

    app.include_router(documents.router)
    app.include_router(chat.router)
    app.include_router(health.router)
    app.add_exception_handler(LLMError, _llm_error)
    app.add_exception_handler(OperationalError, _database_down)
    ### BEGIN STAGE 05
    install_middleware(app, settings)
    ### END STAGE
    return app


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """CORS from the settings, then the timing header around everything.

    CORS allows exactly `settings.cors_origins`, with credentials only when
    `settings.cors_allow_credentials` says so, any method and header, and lets browsers read the
    timing header. The timing middleware is added last, so it is the outermost: its time
    includes CORS, and even a preflight answered by CORS carries the header.
    """
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


async def _llm_error(_request: Request, exc: Exception) -> JSONResponse:
    status_code = exc.status_code if isinstance(exc, LLMError) else 502
    return JSONResponse({"detail": str(exc)}, status_code=status_code)


async def _database_down(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": f"database unavailable ({type(exc).__name__})"}, status_code=503)


app = create_app()
