"""The engine, the session factory and the schema, on SQLite in memory and on a file."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.pool import QueuePool, StaticPool

from docchat.core import db
from docchat.core.db import build_engine, build_session_factory, init_db
from docchat.models import Document, DocumentStatus


@pytest.fixture
def memory_engine() -> Iterator[Engine]:
    engine = build_engine("sqlite://")
    yield engine
    engine.dispose()


@pytest.fixture
def file_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = build_engine(f"sqlite:///{tmp_path / 'docchat.db'}")
    yield engine
    engine.dispose()


def _pragma(engine: Engine, name: str) -> Any:
    with engine.connect() as conn:
        return conn.exec_driver_sql(f"PRAGMA {name}").scalar()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_sqlite_keeps_one_connection_so_tables_persist(url: str) -> None:
    engine = build_engine(url)
    try:
        init_db(engine)
        sessions = build_session_factory(engine)
        with sessions() as session:
            session.add(Document(title="t", content="c"))
            session.commit()
        with sessions() as session:  # a second session sees the same database
            assert session.scalar(select(Document.title)) == "t"
        assert isinstance(engine.pool, StaticPool)
    finally:
        engine.dispose()


def test_file_sqlite_uses_a_pool_wal_foreign_keys_and_busy_timeout(file_engine: Engine) -> None:
    assert isinstance(file_engine.pool, QueuePool)
    assert _pragma(file_engine, "journal_mode") == "wal"
    assert _pragma(file_engine, "foreign_keys") == 1
    assert _pragma(file_engine, "busy_timeout") == 5000


def test_sqlite_connections_may_cross_threads(file_engine: Engine) -> None:
    # The request's session is used from the threadpool; sqlite3 refuses that by default.
    import threading

    errors: list[BaseException] = []
    with file_engine.connect() as conn:

        def use() -> None:
            try:
                conn.exec_driver_sql("SELECT 1").scalar()
            except BaseException as exc:
                errors.append(exc)

        worker = threading.Thread(target=use)
        worker.start()
        worker.join(timeout=5)

    assert errors == []


def test_non_sqlite_url_gets_pre_ping_and_no_sqlite_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No PostgreSQL driver here: record what the engine would be built with.
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(db, "create_engine", lambda url, **kw: calls.append((url, kw)))

    db.build_engine("postgresql://user:secret@db.example/app", pool_size=3)

    [(url, options)] = calls
    assert url.get_backend_name() == "postgresql"
    assert options == {
        "pool_pre_ping": True,
        "hide_parameters": True,
        # Sized from the threads that use it, and never more: a checkout never waits.
        "pool_size": 3,
        "max_overflow": 0,
        "pool_timeout": 30,
    }


def test_init_db_creates_tables_and_search_index_and_can_run_twice(memory_engine: Engine) -> None:
    init_db(memory_engine)
    init_db(memory_engine)

    names = set(inspect(memory_engine).get_table_names())
    assert {"documents", "chunks", "chunk_fts"} <= names
    with memory_engine.connect() as conn:
        triggers = set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type='trigger'")))
    assert triggers == {"chunks_ai", "chunks_ad"}


def test_committed_document_stays_readable_after_commit(memory_engine: Engine) -> None:
    init_db(memory_engine)
    sessions = build_session_factory(memory_engine)
    with sessions() as session:
        document = Document(title="t", content="c")
        session.add(document)
        session.commit()
        # expire_on_commit=False: no reload, no `{}` in the response (ERRATA 8).
        assert "title" in document.__dict__
        assert document.status is DocumentStatus.PENDING


def test_status_is_stored_as_its_value_and_times_come_back_in_utc(memory_engine: Engine) -> None:
    init_db(memory_engine)
    sessions = build_session_factory(memory_engine)
    with sessions() as session:
        session.add(Document(title="t", content="c", status=DocumentStatus.READY))
        session.commit()
    with memory_engine.connect() as conn:
        assert conn.scalar(text("SELECT status FROM documents")) == "ready"
    with sessions() as session:
        document = session.scalars(select(Document)).one()
        assert document.created_at.utcoffset() is not None
        assert document.created_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
