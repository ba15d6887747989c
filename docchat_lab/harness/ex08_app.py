"""The documents API that exercise 8's tests are served: the correct version and its bugs.

Each bug is one the lesson warns about. It runs only in the app process (the app image, see
docchat_lab/grading/app_server.py): a learner's process never holds this code, nor learns which
variant it talks to. Each served copy keeps its documents in memory and records, as evidence
for the judge, whether a request reached the place where its bug makes it differ from the
correct app.

The HTTP side is real FastAPI (validation, status codes, CORS). The database is not: a test
sees only HTTP, and a dict with a two-session "pool" behaves the same over HTTP as SQLite behind
a pool of two connections, at a fraction of the cost per request.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel, Field

from docchat_lab.grading import asgi_driver

BUGS = ("leaky_get_db", "missing_404", "wrong_status", "cors_allows_everything", "unbounded_limit")
FRONTEND = "http://localhost:3000"
POOL_SIZE = 2


class PoolExhaustedError(RuntimeError):
    """No session left: what SQLAlchemy's QueuePool raises when every connection is out."""


class DocumentIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1)


@dataclass
class _Document:
    id: int
    title: str
    content: str
    status: str = "pending"

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "status": self.status}


class Copy:
    """One served copy: its variant, its documents, its sessions, and what it saw."""

    def __init__(self, variant: str) -> None:
        if variant != "reference" and variant not in BUGS:
            raise ValueError(f"no variant {variant!r}")
        self.variant = variant
        self.requests = 0
        self.resets = 0
        self.diverged = False
        self.documents: dict[int, _Document] = {}
        self.next_id = 1
        self.open_sessions = 0

    def reset(self) -> None:
        """No documents, every session free: what a fresh app would have."""
        self.resets += 1
        self.documents.clear()
        self.next_id = 1
        self.open_sessions = 0

    def add(self, body: DocumentIn) -> _Document:
        document = _Document(self.next_id, body.title, body.content)
        self.documents[document.id] = document
        self.next_id += 1
        return document


async def _copy(request: Request) -> Copy:
    copy: Copy = request.state.copy
    return copy


def _bug(copy: Copy, bug: str) -> bool:
    """Whether this copy has `bug`; if so, a request just reached it (the judge's evidence)."""
    if copy.variant != bug:
        return False
    copy.diverged = True
    return True


async def get_db(copy: Annotated[Copy, Depends(_copy)]) -> AsyncIterator[Copy]:
    if copy.open_sessions >= POOL_SIZE:
        _bug(copy, "leaky_get_db")  # the leak showed: the pool ran dry
        raise PoolExhaustedError(f"all {POOL_SIZE} connections are checked out")
    copy.open_sessions += 1
    try:
        yield copy
    finally:
        if copy.variant != "leaky_get_db":
            copy.open_sessions -= 1  # the bug: the leaky copy never gives its session back


DbDep = Annotated[Copy, Depends(get_db)]


async def _mark_ready(copy: Copy, document_id: int) -> None:
    document = copy.documents.get(document_id)
    if document is not None:
        document.status = "ready"


def _routes(app: FastAPI) -> None:
    @app.get("/documents/")
    async def list_documents(
        db: DbDep,
        skip: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1)] = 20,
    ) -> Any:
        if limit > 100 and not _bug(db, "unbounded_limit"):
            # The 422 FastAPI itself gives for Query(le=100): a test may read its `loc`.
            raise RequestValidationError(
                [
                    {
                        "type": "less_than_equal",
                        "loc": ("query", "limit"),
                        "msg": "Input should be less than or equal to 100",
                        "input": str(limit),
                        "ctx": {"le": 100},
                    }
                ]
            )
        ordered = sorted(db.documents.values(), key=lambda d: d.id)
        return [d.public() for d in ordered[skip : skip + limit]]

    @app.post("/documents/", status_code=202)
    async def create_document(
        body: DocumentIn, db: DbDep, tasks: BackgroundTasks, response: Response
    ) -> dict[str, Any]:
        document = db.add(body)
        tasks.add_task(_mark_ready, db, document.id)
        if _bug(db, "wrong_status"):
            response.status_code = 200
        return document.public()

    @app.get("/documents/{document_id}")
    async def read_document(document_id: int, db: DbDep) -> Any:
        document = db.documents.get(document_id)
        if document is None:
            if _bug(db, "missing_404"):
                return None
            raise HTTPException(404, f"document {document_id} not found")
        return document.public()

    @app.delete("/documents/{document_id}", status_code=204)
    async def delete_document(document_id: int, db: DbDep) -> Response:
        if db.documents.pop(document_id, None) is None:
            raise HTTPException(404, f"document {document_id} not found")
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

    def __init__(self, variant: str) -> None:
        self.copy = Copy(variant)
        every_origin = variant == "cors_allows_everything"
        self.inner = APP_ALLOWING_EVERY_ORIGIN if every_origin else APP

    async def app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.copy.requests += 1
            if any(name == b"origin" for name, _ in scope.get("headers") or []):
                _bug(self.copy, "cors_allows_everything")  # every answer to an Origin differs
            scope = {**scope, "state": {"copy": self.copy}}
        await self.inner(scope, receive, send)

    def reset(self) -> None:
        self.copy.reset()

    def evidence(self) -> dict[str, Any]:
        copy = self.copy
        return {"requests": copy.requests, "tests": copy.resets, "diverged": copy.diverged}


def serve(variant: str, folder: Path) -> Served:
    """A copy of the app for `variant` (its folder is unused: the copy keeps its data in memory)."""
    return Served(variant)


def warm_up() -> None:
    import asyncio

    served = serve("reference", Path.cwd())

    async def requests() -> None:
        body = b'{"title": "t", "content": "c"}'
        headers = [("content-type", "application/json"), ("origin", FRONTEND)]
        await asgi_driver.request(served.app, "POST", "/documents/", headers, body, {})
        await asgi_driver.request(served.app, "GET", "/documents/?limit=101", [], b"", {})
        await asgi_driver.request(served.app, "GET", "/documents/9", [], b"", {})

    asyncio.run(requests())
