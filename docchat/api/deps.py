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
    # Past 64 bits SQLite raises OverflowError: a 500 where a 422 belongs.
    skip: Annotated[int, Query(ge=0, le=2**62, description="How many items to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=100, description="At most this many items.")] = 20,
) -> Page:
    return Page(skip=skip, limit=limit)


SettingsDep = Annotated[Settings, Depends(get_settings_for_app)]
SessionFactoryDep = Annotated[sessionmaker[Session], Depends(get_session_factory)]
SessionDep = Annotated[Session, Depends(get_db)]
LLMDep = Annotated[LLMClient, Depends(get_llm)]
PageDep = Annotated[Page, Depends(pagination)]


def get_document(
    document_id: Annotated[int, Path(ge=1, le=2**62)], session: SessionDep
) -> Document:
    """The document named in the path, or a 404: never `200 null`."""
    document = session.get(Document, document_id)
    if document is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"document {document_id} not found")
    return document


DocumentDep = Annotated[Document, Depends(get_document)]
