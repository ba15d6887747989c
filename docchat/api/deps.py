"""The dependencies routes declare, each named once as an `Annotated` alias."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request, status
from sqlalchemy.orm import Session, sessionmaker

from docchat.core.config import Settings
from docchat.models import Document
from docchat.services.llm import LLMClient


def get_settings_for_app(request: Request) -> Settings:
    """The settings this app was built with (see create_app)."""
    settings: Settings = request.app.state.settings
    return settings


def get_session_factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


def get_db(
    sessions: Annotated[sessionmaker[Session], Depends(get_session_factory)],
) -> Iterator[Session]:
    """One session per request, closed whatever happens; exceptions pass through untouched."""
    with sessions() as session:
        yield session


def get_llm(request: Request) -> LLMClient:
    client: LLMClient = request.app.state.llm
    return client


@dataclass(frozen=True, slots=True)
class Page:
    skip: int
    limit: int


def pagination(
    ### BEGIN SOLUTION 01
    # Past 64 bits SQLite raises OverflowError: a 500 where a 422 belongs.
    skip: Annotated[int, Query(ge=0, le=2**62, description="How many items to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=100, description="At most this many items.")] = 20,
    ### END SOLUTION
    ### BEGIN STUB
    # skip: int = 0,
    # limit: int = 20,
    ### END STUB
) -> Page:
    """`?skip=` and `?limit=` from the query string, as a Page.

    skip defaults to 0 and must be 0 or more (at most 2**62); limit defaults to 20 and runs from
    1 to 100. Anything else is a 422 that names the parameter, before any route runs.
    """
    ### BEGIN SOLUTION 01
    return Page(skip=skip, limit=limit)
    ### END SOLUTION


SettingsDep = Annotated[Settings, Depends(get_settings_for_app)]
SessionFactoryDep = Annotated[sessionmaker[Session], Depends(get_session_factory)]
SessionDep = Annotated[Session, Depends(get_db)]
LLMDep = Annotated[LLMClient, Depends(get_llm)]
PageDep = Annotated[Page, Depends(pagination)]


def get_document(
    document_id: Annotated[int, Path(ge=1, le=2**62)], session: SessionDep
) -> Document:
    """The document named in the path, or a 404 whose detail names the id: never `200 null`."""
    ### BEGIN SOLUTION 01
    document = session.get(Document, document_id)
    if document is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"document {document_id} not found")
    return document
    ### END SOLUTION


DocumentDep = Annotated[Document, Depends(get_document)]
