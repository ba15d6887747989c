"""The dependencies: pagination, the document lookup, and the per-request session."""

import asyncio
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
    assert asyncio.run(pagination()) == Page(skip=0, limit=20)


def test_dependencies_read_what_create_app_stored(
    client: TestClient, app: FastAPI, settings: Settings
) -> None:
    request = type("FakeRequest", (), {"app": app})()

    assert asyncio.run(get_settings_for_app(request)) is settings
    assert isinstance(asyncio.run(get_llm(request)), OfflineAnswerer)


SessionsOnFile = tuple[Engine, sessionmaker[Session]]


@pytest.fixture
def file_sessions(tmp_path: Path) -> Iterator[SessionsOnFile]:
    engine = build_engine(f"sqlite:///{tmp_path / 'deps.db'}")
    init_db(engine)
    yield engine, build_session_factory(engine)
    engine.dispose()


def test_get_db_closes_session_and_returns_connection(file_sessions: SessionsOnFile) -> None:
    engine, sessions = file_sessions

    async def use_and_finish() -> None:
        dependency = get_db(sessions)
        session = await anext(dependency)
        session.add(Document(title="t", content="c"))
        session.flush()
        assert engine.pool.checkedout() == 1
        with pytest.raises(StopAsyncIteration):
            await anext(dependency)

    asyncio.run(use_and_finish())

    assert engine.pool.checkedout() == 0


def test_get_db_lets_endpoint_errors_through_and_still_closes(
    file_sessions: SessionsOnFile,
) -> None:
    engine, sessions = file_sessions

    async def fail_in_the_endpoint() -> None:
        dependency = get_db(sessions)
        session: Session = await anext(dependency)
        session.add(Document(title="t", content="c"))
        session.flush()
        await dependency.athrow(HTTPException(404, "gone"))

    with pytest.raises(HTTPException) as caught:
        asyncio.run(fail_in_the_endpoint())

    assert caught.value.status_code == 404  # re-raised, not swallowed (ERRATA 4)
    assert engine.pool.checkedout() == 0
    with sessions() as fresh:  # the uncommitted insert was rolled back
        assert fresh.get(Document, 1) is None


def test_get_document_missing_raises_404_and_returns_the_connection(
    file_sessions: SessionsOnFile,
) -> None:
    engine, sessions = file_sessions
    with sessions() as session, pytest.raises(HTTPException) as caught:
        asyncio.run(get_document(41, session))

    assert caught.value.status_code == 404
    assert caught.value.detail == "document 41 not found"
    assert engine.pool.checkedout() == 0


def test_get_document_found_is_loaded_and_holds_no_connection(
    file_sessions: SessionsOnFile,
) -> None:
    engine, sessions = file_sessions
    with sessions() as session:
        session.add(Document(title="kettle", content="Kettles boil."))
        session.commit()

    with sessions() as session:
        document = asyncio.run(get_document(1, session))
        assert engine.pool.checkedout() == 0  # given back inside the same hop

    assert (document.id, document.title, document.content) == (1, "kettle", "Kettles boil.")
