# Generated from solutions/ by `docchat-lab exercises`: edit this copy freely.
"""Exercise 3 · A documents router and an app factory.

DocChat's routes live in routers, one module per area, each with its own URL prefix and OpenAPI
tag; an app factory assembles them. Build both for a small in-memory version of the documents
API:

- `build_documents_router()`: an `APIRouter` with the prefix `/documents` and the tag
  `documents`, serving `GET /documents/`, `GET /documents/{doc_id}` and `POST /documents/`.
- `create_app(store=None)`: a new, independent app on every call, each with its own
  `DocumentStore` (on `app.state.store`), the documents router and a `GET /health`.

The store (below) is given. Routes reach the store of the app serving them through the `StoreDep`
dependency, never through a module-level variable, so that two apps, say two tests, never see
each other's documents.

Background: notebooks/03_routers_and_app_factory.ipynb. Check your work: `check("ex03")` in the
notebook, or `docchat-lab check ex03` in a terminal.
"""

import itertools
import threading
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, status
from pydantic import BaseModel, Field


class DocumentIn(BaseModel):
    """What a client sends to create a document: a JSON body."""

    title: str = Field(min_length=1, max_length=200)
    content: str


class DocumentOut(BaseModel):
    """A stored document, as the API returns it."""

    id: int
    title: str
    content: str


class DocumentStore:
    """Documents kept in memory, numbered from 1. Safe to use from several threads."""

    def __init__(self) -> None:
        self._documents: dict[int, DocumentOut] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, document: DocumentIn) -> DocumentOut:
        with self._lock:
            stored = DocumentOut(id=next(self._ids), **document.model_dump())
            self._documents[stored.id] = stored
            return stored

    def get(self, doc_id: int) -> DocumentOut | None:
        return self._documents.get(doc_id)

    def list(self) -> list[DocumentOut]:
        return list(self._documents.values())


def get_store(request: Request) -> DocumentStore:
    """The store of the app serving this request: `create_app` puts it on `app.state.store`."""
    store: DocumentStore = request.app.state.store
    return store


StoreDep = Annotated[DocumentStore, Depends(get_store)]


def build_documents_router() -> APIRouter:
    """A new router with the prefix "/documents" and the tag "documents", serving:

    - `GET /documents/`: every stored document (a JSON list of DocumentOut), oldest first;
    - `GET /documents/{doc_id}`: that document, or a 404 whose JSON `detail` says which id was
      not found;
    - `POST /documents/`: a DocumentIn read from the JSON body (not from the query string);
      store it, and answer 201 Created with the stored DocumentOut.

    Every route takes the store as a `store: StoreDep` parameter. Mind the prefix: the router
    adds "/documents" to each route's own path. (`/documents`, without the slash, then
    redirects to `/documents/` by itself.)
    """
    # TODO: write build_documents_router() as its docstring describes.
    raise NotImplementedError("build_documents_router() is not written yet")


def create_app(store: DocumentStore | None = None) -> FastAPI:
    """Build a new DocChat app: call it twice, get two independent apps.

    - Keep `store` on `app.state.store` (where `get_store` looks); without one, give this app a
      new, empty DocumentStore of its own. Tests pass in a store they have filled beforehand.
    - Include the router from `build_documents_router()`.
    - Add `GET /health`, answering 200 with `{"status": "ok"}`.
    """
    # TODO: write create_app() as its docstring describes.
    raise NotImplementedError("create_app() is not written yet")
