"""The dependencies routes declare, each named once as an `Annotated` alias."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request, status
from sqlalchemy.orm import Session, sessionmaker

from docchat.core.config import Settings
from docchat.core.db_executor import db_read
from docchat.models import Document
from docchat.schemas import MAX_ID, WholeNumber
from docchat.services.llm import LLMClient

# None of these waits for anything, so all are `async def`: FastAPI runs a plain `def`
# dependency in its threadpool, a hop that costs more than the work.


async def get_settings_for_app(request: Request) -> Settings:
    """The settings this app was built with (see create_app)."""
    settings: Settings = request.app.state.settings
    return settings


async def get_session_factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


async def get_db(
    sessions: Annotated[sessionmaker[Session], Depends(get_session_factory)],
) -> AsyncIterator[Session]:
    """One session per request, closed whatever happens; exceptions pass through untouched.

    It never commits: the routes do, where a failed commit can still become the response.

    Opening a session connects to nothing, so this needs no thread. The routes hand the
    session to `db_read` or `db_write`, which use it on the database's own threads and
    give its connection back there, in the same hop (see docchat/core/db_executor.py).
    """
    ### BEGIN SOLUTION 02
    with sessions() as session:
        yield session
    ### END SOLUTION


async def get_llm(request: Request) -> LLMClient:
    client: LLMClient = request.app.state.llm
    return client


@dataclass(frozen=True, slots=True)
class Page:
    skip: int
    limit: int


async def pagination(
    ### BEGIN SOLUTION 01
    skip: Annotated[WholeNumber, Query(ge=0, le=MAX_ID, description="How many items to skip.")] = 0,
    limit: Annotated[WholeNumber, Query(ge=1, le=100, description="At most this many items.")] = 20,
    ### END SOLUTION
    ### BEGIN STUB
    # skip: int = 0,
    # limit: int = 20,
    ### END STUB
) -> Page:
    """`?skip=` and `?limit=` from the query string, as a Page.

    skip defaults to 0 and runs from 0 to MAX_ID (past 64 bits SQLite would fail with a 500);
    limit defaults to 20 and runs from 1 to 100. Anything else is a 422 that names the
    parameter, before any route runs. WholeNumber takes digits only: "1.0" is refused.
    """
    ### BEGIN SOLUTION 01
    return Page(skip=skip, limit=limit)
    ### END SOLUTION


SettingsDep = Annotated[Settings, Depends(get_settings_for_app)]
SessionFactoryDep = Annotated[sessionmaker[Session], Depends(get_session_factory)]
SessionDep = Annotated[Session, Depends(get_db)]
LLMDep = Annotated[LLMClient, Depends(get_llm)]
PageDep = Annotated[Page, Depends(pagination)]
# The route's path says `{document_id:digits}`: only digits reach it, so "1.0" is a 404.
DocumentIdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


def _load(session: Session, document_id: int) -> Document | None:
    return session.get(Document, document_id)


async def get_document(document_id: DocumentIdPath, session: SessionDep) -> Document:
    """The document named in the path, or a 404 whose detail names the id: never `200 null`.

    Load it with `await db_read(_load, session, document_id)`: the database is used on its own
    threads (notebook 04 says why).
    """
    ### BEGIN SOLUTION 01
    document = await db_read(_load, session, document_id)
    if document is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"document {document_id} not found")
    return document
    ### END SOLUTION


DocumentDep = Annotated[Document, Depends(get_document)]
