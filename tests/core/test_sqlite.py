"""SQLite's seam: the writer lane that queues the app's writers, and the file guard."""

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from docchat.core.db import build_engine, build_session_factory, init_db
from docchat.core.sqlite import FairLock
from docchat.models import Document
from tests.docchat_testkit import remove_database


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "docchat.db"


@pytest.fixture
def engine(database: Path) -> Iterator[Engine]:
    engine = build_engine(f"sqlite:///{database}", pool_size=4)
    init_db(engine)
    yield engine
    engine.dispose()


# --- the fair lock -------------------------------------------------------------------------------


def test_fair_lock_hands_over_in_arrival_order_and_from_any_thread() -> None:
    lock = FairLock()
    assert lock.acquire(timeout=1)
    order: list[int] = []
    arrived = []

    def waiter(n: int) -> None:
        arrived.append(n)
        assert lock.acquire(timeout=10)
        order.append(n)
        lock.release()

    threads = []
    for n in range(5):
        thread = threading.Thread(target=waiter, args=(n,))
        thread.start()
        threads.append(thread)
        while len(arrived) <= n or len(lock._waiters) <= n:  # queued before the next comes
            time.sleep(0.001)
    threading.Thread(target=lock.release).start()  # released by a thread that never held it
    for thread in threads:
        thread.join(10)

    assert order == [0, 1, 2, 3, 4]
    assert lock.acquire(timeout=0.1)  # free again


def test_fair_lock_wait_times_out_and_leaves_the_queue() -> None:
    lock = FairLock()
    assert lock.acquire(timeout=1)

    start = time.monotonic()
    assert not lock.acquire(timeout=0.2)

    assert time.monotonic() - start >= 0.18
    assert not lock._waiters
    lock.release()
    assert lock.acquire(timeout=0.1)


# --- the writer lane -----------------------------------------------------------------------------


def _write(engine: Engine, title: str, hold_s: float, events: list[str]) -> None:
    with build_session_factory(engine)() as session:
        session.add(Document(title=title, content="c"))
        session.flush()  # the write has begun: this connection holds the lane
        events.append(f"{title} wrote")
        time.sleep(hold_s)
        session.commit()
        events.append(f"{title} committed")


def test_writers_queue_in_the_app_instead_of_failing_on_the_lock(engine: Engine) -> None:
    # More writers at once than SQLite's busy wait would serve: each would fail after 5 s
    # with "database is locked" without the lane; with it, each waits its turn.
    events: list[str] = []
    writers = [
        threading.Thread(target=_write, args=(engine, f"w{n}", 0.05, events)) for n in range(4)
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(30)

    assert len(events) == 8
    for n in range(0, 8, 2):  # never two writes in flight: each commits before the next writes
        assert events[n].split()[0] == events[n + 1].split()[0]
        assert (events[n].endswith("wrote"), events[n + 1].endswith("committed")) == (True, True)


def test_readers_do_not_wait_for_the_lane(engine: Engine) -> None:
    sessions = build_session_factory(engine)
    with sessions() as writer:
        writer.add(Document(title="held", content="c"))
        writer.flush()  # holds the lane until the end of this block
        start = time.monotonic()
        with sessions() as reader:
            assert reader.scalars(text("SELECT count(*) FROM documents")).one() == 0
        assert time.monotonic() - start < 1.0


@pytest.mark.parametrize("end", ["commit", "rollback", "close", "failed statement"])
def test_the_lane_is_handed_on_however_the_write_ends(engine: Engine, end: str) -> None:
    raw = engine.raw_connection()
    cursor = raw.cursor()
    if end == "failed statement":
        with pytest.raises(sqlite3.OperationalError):
            cursor.execute("INSERT INTO no_such_table VALUES (1)")
    else:
        cursor.execute(
            "INSERT INTO documents (title, content, status, chunk_count, created_at, updated_at)"
            " VALUES ('t', 'c', 'pending', 0, '2024-01-01', '2024-01-01')"
        )
        {"commit": raw.commit, "rollback": raw.rollback, "close": raw.close}[end]()

    other = engine.raw_connection()
    try:
        started = time.monotonic()
        other.cursor().execute("DELETE FROM documents")
        other.commit()
        assert time.monotonic() - started < 1.0  # the lane was free: no wait
    finally:
        other.close()
        if end != "close":
            raw.close()


# --- the file guard ------------------------------------------------------------------------------


def test_deleted_file_is_refused_not_recreated_empty(engine: Engine, database: Path) -> None:
    sessions = build_session_factory(engine)
    with sessions() as session:
        session.add(Document(title="kept", content="c"))
        session.commit()
    remove_database(database)

    # Pooled connections still hold the deleted file open: without the guard this write
    # would succeed into it, and be lost.
    with sessions() as session:
        session.add(Document(title="lost", content="c"))
        with pytest.raises(OperationalError, match="database file is gone"):
            session.commit()

    assert not database.exists()  # no empty database made in its place


def test_file_restored_under_the_app_is_used(engine: Engine, database: Path) -> None:
    sessions = build_session_factory(engine)
    with sessions() as session:
        session.add(Document(title="before", content="c"))
        session.commit()
    backup = database.with_name("backup.db")
    live, copy = sqlite3.connect(database), sqlite3.connect(backup)
    live.backup(copy)
    live.close()
    copy.close()
    database.unlink()
    backup.rename(database)  # another file (inode) at the same path, with the same data

    with sessions() as session:  # a pooled connection still has the old file: it refuses...
        session.add(Document(title="lost?", content="c"))
        with pytest.raises(OperationalError, match="was replaced") as caught:
            session.commit()
    assert caught.value.connection_invalidated  # ...and the pool lets all of them go

    with sessions() as session:  # the next connection opens the restored file
        assert session.scalars(text("SELECT title FROM documents")).all() == ["before"]
        session.add(Document(title="after", content="c"))
        session.commit()
    with closing(sqlite3.connect(database)) as check:  # written into the restored file
        assert check.execute("SELECT title FROM documents").fetchall() == [("before",), ("after",)]


def test_file_replaced_by_an_empty_one_fails_instead_of_answering_nothing(
    engine: Engine, database: Path
) -> None:
    sessions = build_session_factory(engine)
    with sessions() as session:
        session.add(Document(title="before", content="c"))
        session.commit()
    remove_database(database)
    sqlite3.connect(database).close()  # something else made an empty database there

    with sessions() as session:
        session.add(Document(title="lost?", content="c"))
        with pytest.raises(OperationalError, match="was replaced"):
            session.commit()
    with sessions() as session, pytest.raises(OperationalError, match="no such table"):
        session.scalars(text("SELECT title FROM documents")).all()
