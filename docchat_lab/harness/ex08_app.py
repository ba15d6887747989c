"""The documents API that exercise 8's tests are served: the correct version and its bugs.

Each bug is one the lesson warns about. It runs only in the app process (the app image, see
docchat_lab/grading/app_server.py): a learner's process never holds this code, nor learns which
variant it talks to. Each served copy has its own database, and records, as evidence for the
judge, whether a request reached the place where its bug makes it differ from the correct app.
"""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel, Field
from sqlalchemy import Engine, String, create_engine, delete, event, select
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from docchat_lab.grading import asgi_driver

BUGS = ("leaky_get_db", "missing_404", "wrong_status", "cors_allows_everything", "unbounded_limit")
FRONTEND = "http://localhost:3000"


class _Base(DeclarativeBase):
    pass


class _Document(_Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str]
    status: Mapped[str] = mapped_column(String(20), default="pending")


class DocumentIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1)


class Copy:
    """One served copy: its variant, its own database and small pool, and what it saw."""

    def __init__(self, variant: str, database: Path) -> None:
        if variant != "reference" and variant not in BUGS:
            raise ValueError(f"no variant {variant!r}")
        self.variant = variant
        self.requests = 0
        self.resets = 0
        self.diverged = False
        self.engine: Engine = create_engine(
            f"sqlite:///{database}",
            connect_args={"check_same_thread": False},
            pool_size=2,
            max_overflow=0,
            pool_timeout=0.1,
        )
        # A throwaway test database: skip the fsyncs that make each commit cost milliseconds.
        event.listen(self.engine, "connect", _no_fsync)
        _Base.metadata.create_all(self.engine)
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False)

    def reset(self) -> None:
        """Empty database, full pool: what a fresh app would have."""
        self.resets += 1
        self.engine.dispose()
        with self.sessions() as session:
            session.execute(delete(_Document))
            session.commit()


def _no_fsync(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA journal_mode=MEMORY")
    cursor.close()


async def _copy(request: Request) -> Copy:
    copy: Copy = request.state.copy
    return copy


def _bug(copy: Copy, bug: str) -> bool:
    """Whether this copy has `bug`; if so, a request just reached it (the judge's evidence)."""
    if copy.variant != bug:
        return False
    copy.diverged = True
    return True


# async on purpose: SQLite answers in microseconds, and a test app need not hop threads.
async def get_db(copy: Annotated[Copy, Depends(_copy)]) -> AsyncIterator[Session]:
    if copy.variant == "leaky_get_db":
        yield copy.sessions()  # never closed: the third request waits for the pool, then fails
        return
    with copy.sessions() as session:
        yield session


DbDep = Annotated[Session, Depends(get_db)]
CopyDep = Annotated[Copy, Depends(_copy)]


def _public(document: _Document) -> dict[str, Any]:
    return {"id": document.id, "title": document.title, "status": document.status}


async def _mark_ready(copy: Copy, document_id: int) -> None:
    with copy.sessions() as session:
        document = session.get(_Document, document_id)
        if document is not None:
            document.status = "ready"
            session.commit()


def _routes(app: FastAPI) -> None:
    @app.get("/documents/")
    async def list_documents(
        db: DbDep,
        copy: CopyDep,
        skip: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1)] = 20,
    ) -> Any:
        if limit > 100 and not _bug(copy, "unbounded_limit"):
            raise HTTPException(422, "limit must be at most 100")
        rows = db.scalars(select(_Document).order_by(_Document.id).offset(skip).limit(limit))
        return [_public(d) for d in rows]

    @app.post("/documents/", status_code=202)
    async def create_document(
        body: DocumentIn, db: DbDep, copy: CopyDep, tasks: BackgroundTasks, response: Response
    ) -> dict[str, Any]:
        document = _Document(title=body.title, content=body.content)
        db.add(document)
        db.commit()
        tasks.add_task(_mark_ready, copy, document.id)
        if _bug(copy, "wrong_status"):
            response.status_code = 200
        return _public(document)

    @app.get("/documents/{document_id}")
    async def read_document(document_id: int, db: DbDep, copy: CopyDep) -> Any:
        document = db.get(_Document, document_id)
        if document is None:
            if _bug(copy, "missing_404"):
                return None
            raise HTTPException(404, f"document {document_id} not found")
        return _public(document)

    @app.delete("/documents/{document_id}", status_code=204)
    async def delete_document(document_id: int, db: DbDep) -> Response:
        document = db.get(_Document, document_id)
        if document is None:
            raise HTTPException(404, f"document {document_id} not found")
        db.delete(document)
        db.commit()
        return Response(status_code=204)


def build(allow_every_origin: bool) -> FastAPI:
    app = FastAPI(title="Documents")
    _routes(app)
    origins = ["*"] if allow_every_origin else [FRONTEND]
    app.add_middleware(
        CORSMiddleware, allow_origins=origins, allow_methods=["*"], allow_headers=["*"]
    )
    return app


APP = build(allow_every_origin=False)
APP_ALLOWING_EVERY_ORIGIN = build(allow_every_origin=True)


class Served:
    """One copy as the app process serves it: an ASGI app bound to its copy."""

    def __init__(self, variant: str, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.copy = Copy(variant, folder / "documents.sqlite")
        every_origin = variant == "cors_allows_everything"
        self.inner = APP_ALLOWING_EVERY_ORIGIN if every_origin else APP

    async def app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.copy.requests += 1
            headers = dict(scope.get("headers") or [])
            if b"origin" in headers:
                _bug(self.copy, "cors_allows_everything")  # every answer to an Origin differs
            scope = {**scope, "state": {"copy": self.copy}}
        try:
            await self.inner(scope, receive, send)
        except PoolTimeoutError:
            _bug(self.copy, "leaky_get_db")  # the leak showed: the pool ran dry
            raise

    def reset(self) -> None:
        self.copy.reset()

    def evidence(self) -> dict[str, Any]:
        copy = self.copy
        return {"requests": copy.requests, "tests": copy.resets, "diverged": copy.diverged}


def serve(variant: str, folder: Path) -> Served:
    return Served(variant, folder)


def warm_up() -> None:
    import asyncio
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        served = serve("reference", Path(folder))
        asyncio.run(asgi_driver.request(served.app, "GET", "/documents/", [], b"", {}))
        served.copy.engine.dispose()
