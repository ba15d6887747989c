"""The database's own threads: one hop per unit of work, the connection back inside it."""

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from docchat.core.db import build_engine, build_session_factory, init_db
from docchat.core.db_executor import (
    EXECUTORS,
    DatabaseExecutor,
    DatabaseExecutors,
    db_read,
    db_write,
)
from docchat.models import Document


@pytest.fixture
def executors() -> Iterator[DatabaseExecutors]:
    executors = DatabaseExecutors(
        reads=DatabaseExecutor("test-read", 2), writes=DatabaseExecutor("test-write", 1)
    )
    yield executors
    executors.shutdown()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = build_engine(f"sqlite:///{tmp_path / 'docchat.db'}", pool_size=4)
    init_db(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine, executors: DatabaseExecutors) -> sessionmaker[Session]:
    return build_session_factory(engine, **{EXECUTORS: executors})


def _count(session: Session) -> tuple[int, str, int]:
    total = session.scalar(select(func.count()).select_from(Document)) or 0
    bind = session.get_bind()
    assert isinstance(bind, Engine)
    return total, threading.current_thread().name, bind.pool.checkedout()


def _add(session: Session, title: str) -> tuple[int, str]:
    document = Document(title=title, content="c")
    session.add(document)
    session.commit()
    return document.id, threading.current_thread().name


def test_reads_and_writes_run_on_their_own_threads_and_give_the_connection_back(
    sessions: sessionmaker[Session], engine: Engine
) -> None:
    async def scenario() -> None:
        with sessions() as session:
            document_id, writer = await db_write(_add, session, "kettle")
            total, reader, checked_out_inside = await db_read(_count, session)
            assert engine.pool.checkedout() == 0  # back before the await returned
            assert (document_id, total, checked_out_inside) == (1, 1, 1)
            assert writer.startswith("test-write")
            assert reader.startswith("test-read")

    asyncio.run(scenario())


def test_an_error_in_the_work_reaches_the_caller_and_the_connection_is_back(
    sessions: sessionmaker[Session], engine: Engine
) -> None:
    def explode(session: Session) -> None:
        session.scalar(select(func.count()).select_from(Document))
        raise LookupError("no such thing")

    async def scenario() -> None:
        with sessions() as session:
            with pytest.raises(LookupError, match="no such thing"):
                await db_read(explode, session)
            assert engine.pool.checkedout() == 0

    asyncio.run(scenario())


def test_many_concurrent_units_of_work_all_finish(
    sessions: sessionmaker[Session], engine: Engine
) -> None:
    async def scenario() -> list[tuple[int, str, int]]:
        async def one() -> tuple[int, str, int]:
            with sessions() as session:
                return await db_read(_count, session)

        return await asyncio.gather(*(one() for _ in range(300)))

    results = asyncio.run(scenario())

    assert len(results) == 300
    assert {name.rsplit("-", 1)[0] for _, name, _ in results} == {"test-read"}
    assert max(checked_out for *_, checked_out in results) <= 2  # one per read thread
    assert engine.pool.checkedout() == 0


def test_a_session_from_elsewhere_falls_back_to_the_threadpool(engine: Engine) -> None:
    plain = build_session_factory(engine)  # no executors: a test's own override, say

    async def scenario() -> tuple[int, str, int]:
        with plain() as session:
            return await db_read(_count, session)

    total, thread, _ = asyncio.run(scenario())

    assert total == 0
    assert not thread.startswith("test-")


def test_a_cancelled_caller_waits_for_its_work_before_the_session_is_closed(
    sessions: sessionmaker[Session],
) -> None:
    started, release = threading.Event(), threading.Event()
    finished: list[bool] = []

    def slow(session: Session) -> None:
        started.set()
        release.wait(10)
        session.scalar(select(func.count()).select_from(Document))
        finished.append(True)

    async def scenario() -> None:
        with sessions() as session:
            task = asyncio.create_task(db_read(slow, session))
            while not started.is_set():  # noqa: ASYNC110 (set from the database thread)
                await asyncio.sleep(0.01)
            task.cancel()
            await asyncio.sleep(0.05)
            assert not task.done()  # shielded: still waiting for the work
            release.set()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert finished == [True]  # done with the session before it is closed

    asyncio.run(scenario())


def test_shutdown_finishes_queued_work_and_the_executor_can_start_again(
    sessions: sessionmaker[Session], executors: DatabaseExecutors
) -> None:
    async def count_once() -> int:
        with sessions() as session:
            return (await db_read(_count, session))[0]

    assert asyncio.run(count_once()) == 0
    executors.shutdown()
    assert not any(t.name.startswith("test-read") for t in threading.enumerate())

    assert asyncio.run(count_once()) == 0  # a second lifespan (a restarted TestClient)
