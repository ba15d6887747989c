"""One worker at a time per document, across processes; recovery once per deployment."""

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from docchat.core.db import build_engine, build_session_factory, init_db
from docchat.models import Document, DocumentStatus
from docchat.queue.claims import document_claim
from docchat.queue.recovery import claim_once, recover_once
from tests.docchat_testkit import make_settings

HOLD = """
import sys, time
from docchat.core.db import build_engine
from docchat.queue.claims import document_claim
with document_claim(build_engine(sys.argv[1]), 7) as claimed:
    print(claimed, flush=True)
    time.sleep(600)
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'docchat.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = build_engine(database_url, pool_size=12)
    init_db(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return build_session_factory(engine)


def test_a_document_is_claimed_by_one_worker_at_a_time(engine: Engine) -> None:
    with (
        document_claim(engine, 7) as first,
        document_claim(engine, 7) as second,
        document_claim(engine, 8) as other,
    ):
        assert (first, second, other) == (True, False, True)
    with document_claim(engine, 7) as again:
        assert again


def test_a_claim_held_by_another_process_is_refused_and_freed_when_it_dies(
    engine: Engine, database_url: str
) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, database_url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "True"
        with document_claim(engine, 7) as claimed:
            assert not claimed
    finally:
        holder.kill()  # SIGKILL: nothing of its own runs to let go
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    deadline = time.monotonic() + 10
    while True:  # the server notices the dead connection within moments
        with document_claim(engine, 7) as claimed:
            if claimed or time.monotonic() > deadline:
                break
        time.sleep(0.1)
    assert claimed


def test_recovery_is_claimed_once_per_deployment(sessions: sessionmaker[Session]) -> None:
    assert claim_once(sessions, "recovery", "deploy-1")
    assert not claim_once(sessions, "recovery", "deploy-1")
    assert claim_once(sessions, "recovery", "deploy-2")


def test_racing_processes_of_one_deployment_recover_once(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        session.add_all(Document(title=f"d{n}", content="kettle care") for n in range(3))
        session.commit()
    settings = make_settings(deployment="deploy-1")
    processed: list[int] = []
    results: list[object] = []
    start = threading.Barrier(6)

    def web_process() -> None:
        start.wait()
        results.append(recover_once(sessions, settings, processed.append))

    threads = [threading.Thread(target=web_process) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(processed) == [1, 2, 3]
    assert [r for r in results if r is not None] == [[1, 2, 3]]
    with sessions() as session:
        assert set(session.scalars(select(Document.status))) == {DocumentStatus.PENDING}
