"""The background work: chunk and index a document in its own session; recover after a crash."""

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

import docchat.services.processing as processing
from docchat.core.config import Settings
from docchat.core.db import build_engine, build_session_factory, init_db
from docchat.core.sqlite import BUSY_TIMEOUT_MS
from docchat.models import Chunk, Document, DocumentStatus
from docchat.services.processing import process_document, recover_unfinished
from tests.docchat_testkit import make_settings

TEXT = " ".join(f"Sentence {n} explains how the kettle heats water." for n in range(12))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = build_engine(f"sqlite:///{tmp_path / 'processing.db'}")
    init_db(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return build_session_factory(engine)


@pytest.fixture
def settings() -> Settings:
    return make_settings(chunk_size=200, chunk_overlap=40)


def _store(
    sessions: sessionmaker[Session],
    content: str = TEXT,
    status: DocumentStatus = DocumentStatus.PENDING,
) -> int:
    with sessions() as session:
        document = Document(title="Kettle", content=content, status=status)
        session.add(document)
        session.commit()
        return document.id


def _load(sessions: sessionmaker[Session], document_id: int) -> Document:
    with sessions() as session:
        document = session.get(Document, document_id)
        assert document is not None
        return document


def _chunk_texts(sessions: sessionmaker[Session], document_id: int) -> list[str]:
    with sessions() as session:
        stmt = select(Chunk.text).where(Chunk.document_id == document_id).order_by(Chunk.position)
        return list(session.scalars(stmt))


def test_process_document_makes_it_ready_with_its_chunks(
    sessions: sessionmaker[Session], settings: Settings, engine: Engine
) -> None:
    document_id = _store(sessions)

    assert process_document(document_id, sessions, settings) is DocumentStatus.READY

    document = _load(sessions, document_id)
    texts = _chunk_texts(sessions, document_id)
    assert document.status is DocumentStatus.READY
    assert document.error is None
    assert document.chunk_count == len(texts) > 1
    assert all(len(text) <= 200 for text in texts)
    assert engine.pool.checkedout() == 0


def test_process_document_marks_it_processing_while_it_works(
    sessions: sessionmaker[Session], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    document_id = _store(sessions)
    seen: list[DocumentStatus] = []
    real_split = processing.split_into_chunks

    def spy(text: str, size: int, overlap: int) -> list[str]:
        seen.append(_load(sessions, document_id).status)  # read from another session
        return real_split(text, size, overlap)

    monkeypatch.setattr(processing, "split_into_chunks", spy)

    process_document(document_id, sessions, settings)

    assert seen == [DocumentStatus.PROCESSING]


def test_process_document_without_searchable_words_fails_with_reason(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    document_id = _store(sessions, content="... the and of it ???")

    assert process_document(document_id, sessions, settings) is DocumentStatus.FAILED

    document = _load(sessions, document_id)
    assert document.status is DocumentStatus.FAILED
    assert document.error == "the document has no searchable words"
    assert document.chunk_count == 0


def test_process_document_crash_fails_with_type_and_message_and_no_chunks(
    sessions: sessionmaker[Session],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    document_id = _store(sessions)

    def explode(*_args: object) -> list[str]:
        raise ZeroDivisionError("chunker divided by zero")

    monkeypatch.setattr(processing, "split_into_chunks", explode)

    assert process_document(document_id, sessions, settings) is DocumentStatus.FAILED

    document = _load(sessions, document_id)
    assert document.status is DocumentStatus.FAILED
    assert document.error == "ZeroDivisionError: chunker divided by zero"
    assert _chunk_texts(sessions, document_id) == []
    assert f"document {document_id} failed" in caplog.text


def test_process_document_database_failure_sends_it_back_to_pending_not_failed(
    sessions: sessionmaker[Session], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    document_id = _store(sessions)
    real_split = processing.split_into_chunks

    def disk_error(*_args: object) -> list[str]:
        raise OperationalError("INSERT INTO chunks ...", {}, Exception("disk I/O error"))

    monkeypatch.setattr(processing, "split_into_chunks", disk_error)

    assert process_document(document_id, sessions, settings) is DocumentStatus.PENDING

    document = _load(sessions, document_id)
    assert document.status is DocumentStatus.PENDING  # the document did nothing wrong
    assert document.error == (
        "the database failed while indexing (OperationalError); it will be retried"
    )
    monkeypatch.setattr(processing, "split_into_chunks", real_split)
    assert recover_unfinished(sessions, settings) == [document_id]  # the next start-up
    assert _load(sessions, document_id).status is DocumentStatus.READY


def _hold_write_lock(database: Path, seconds: float) -> threading.Thread:
    """Another process's writer: BEGIN IMMEDIATE held for `seconds`, longer than SQLite's
    own busy wait, on a connection of its own (not the app's, so not in its lane)."""
    locked = threading.Event()

    def hold() -> None:
        other = sqlite3.connect(database, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            locked.set()
            time.sleep(seconds)
            other.execute("ROLLBACK")
        finally:
            other.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(10)
    return holder


HOLD_S = BUSY_TIMEOUT_MS / 1000 + 0.8  # past SQLite's busy wait: main's code gave up here


def test_process_document_waits_for_a_busy_database_at_its_first_write(
    sessions: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    # The first commit (to `processing`) sat outside the error handling: under a held
    # lock it escaped the task and left the document `pending` until the next restart.
    document_id = _store(sessions)
    holder = _hold_write_lock(tmp_path / "processing.db", HOLD_S)

    status = process_document(document_id, sessions, settings)
    holder.join()

    assert status is DocumentStatus.READY
    document = _load(sessions, document_id)
    assert (document.status, document.error) == (DocumentStatus.READY, None)
    assert document.chunk_count == len(_chunk_texts(sessions, document_id)) > 1


def test_process_document_waits_for_a_busy_database_at_its_last_write(
    sessions: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Locked between `processing` and the chunks: main's code marked it `failed` for good.
    document_id = _store(sessions)
    real_split = processing.split_into_chunks
    holders: list[threading.Thread] = []

    def split_then_lock(text_: str, size: int, overlap: int) -> list[str]:
        if not holders:
            holders.append(_hold_write_lock(tmp_path / "processing.db", HOLD_S))
        return real_split(text_, size, overlap)

    monkeypatch.setattr(processing, "split_into_chunks", split_then_lock)

    status = process_document(document_id, sessions, settings)
    holders[0].join()

    assert status is DocumentStatus.READY
    assert _load(sessions, document_id).status is DocumentStatus.READY


def test_process_document_very_long_error_is_truncated(
    sessions: sessionmaker[Session], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    document_id = _store(sessions)

    def verbose(*_args: object) -> list[str]:
        raise RuntimeError("x" * 5000)

    monkeypatch.setattr(processing, "split_into_chunks", verbose)

    process_document(document_id, sessions, settings)

    assert len(_load(sessions, document_id).error or "") == 1000


def test_process_document_deleted_before_it_ran_returns_none(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    assert process_document(12345, sessions, settings) is None


def test_process_document_deleted_while_processing_returns_none_and_leaves_no_chunks(
    sessions: sessionmaker[Session], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    document_id = _store(sessions)
    real_split = processing.split_into_chunks

    def delete_meanwhile(text: str, size: int, overlap: int) -> list[str]:
        with sessions() as other:  # a DELETE request lands while the task works
            other.delete(other.get(Document, document_id))
            other.commit()
        return real_split(text, size, overlap)

    monkeypatch.setattr(processing, "split_into_chunks", delete_meanwhile)

    assert process_document(document_id, sessions, settings) is None

    with sessions() as session:
        assert session.get(Document, document_id) is None
        assert session.scalar(select(func.count()).select_from(Chunk)) == 0


def test_process_document_again_replaces_old_chunks(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    document_id = _store(sessions)
    process_document(document_id, sessions, settings)
    first = _chunk_texts(sessions, document_id)

    process_document(document_id, sessions, settings)

    assert _chunk_texts(sessions, document_id) == first
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Chunk)) == len(first)


def test_recover_unfinished_processes_pending_and_processing_only(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    pending = _store(sessions, status=DocumentStatus.PENDING)
    stuck = _store(sessions, status=DocumentStatus.PROCESSING)
    failed = _store(sessions, status=DocumentStatus.FAILED)
    with sessions() as session:  # a crash left half the chunks of the stuck one
        session.add(Chunk(document_id=stuck, position=0, text="half-written chunk"))
        session.commit()

    recovered = recover_unfinished(sessions, settings)

    assert recovered == [pending, stuck]
    assert _load(sessions, pending).status is DocumentStatus.READY
    assert _load(sessions, stuck).status is DocumentStatus.READY
    assert "half-written chunk" not in _chunk_texts(sessions, stuck)
    assert _load(sessions, failed).status is DocumentStatus.FAILED  # not retried


def test_recover_unfinished_with_nothing_to_do_returns_empty(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    _store(sessions, status=DocumentStatus.READY)

    assert recover_unfinished(sessions, settings) == []
