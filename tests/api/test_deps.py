"""The dependencies: pagination, the document lookup, and the per-request session."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from docchat.api.deps import Page, get_db, get_document, get_llm, get_settings_for_app, pagination
from docchat.core.config import Settings
from docchat.core.db import build_engine, build_session_factory, init_db
from docchat.models import Document
from docchat.services.llm import OfflineAnswerer


def test_pagination_defaults_to_first_20() -> None:
    assert pagination() == Page(skip=0, limit=20)


def test_dependencies_read_what_create_app_stored(
    client: TestClient, app: FastAPI, settings: Settings
) -> None:
    request = type("FakeRequest", (), {"app": app})()

    assert get_settings_for_app(request) is settings
    assert isinstance(get_llm(request), OfflineAnswerer)


SessionsOnFile = tuple[Engine, sessionmaker[Session]]


@pytest.fixture
def file_sessions(tmp_path: Path) -> Iterator[SessionsOnFile]:
    engine = build_engine(f"sqlite:///{tmp_path / 'deps.db'}")
    init_db(engine)
    yield engine, build_session_factory(engine)
    engine.dispose()


def test_get_db_closes_session_and_returns_connection(file_sessions: SessionsOnFile) -> None:
    engine, sessions = file_sessions
    dependency = get_db(sessions)
    session = next(dependency)
    session.add(Document(title="t", content="c"))
    session.flush()
    assert engine.pool.checkedout() == 1

    with pytest.raises(StopIteration):
        next(dependency)

    assert engine.pool.checkedout() == 0


def test_get_db_lets_endpoint_errors_through_and_still_closes(
    file_sessions: SessionsOnFile,
) -> None:
    engine, sessions = file_sessions
    dependency = get_db(sessions)
    session: Session = next(dependency)
    session.add(Document(title="t", content="c"))
    session.flush()

    with pytest.raises(HTTPException) as caught:
        dependency.throw(HTTPException(404, "gone"))

    assert caught.value.status_code == 404  # re-raised, not swallowed (ERRATA 4)
    assert engine.pool.checkedout() == 0
    with sessions() as fresh:  # the uncommitted insert was rolled back
        assert fresh.get(Document, 1) is None


def test_get_document_missing_raises_404(file_sessions: SessionsOnFile) -> None:
    _engine, sessions = file_sessions
    with sessions() as session, pytest.raises(HTTPException) as caught:
        get_document(41, session)

    assert caught.value.status_code == 404
    assert caught.value.detail == "document 41 not found"
