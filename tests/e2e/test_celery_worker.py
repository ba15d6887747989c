"""A Celery worker over a real Redis, on a real PostgreSQL: killed in the middle of a
document, its task is delivered again, and the document ends `ready` with its chunks once."""

import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from docchat.models import Chunk
from docchat.services.chunking import split_into_chunks
from tests.docchat_testkit import create_document
from tests.e2e.processes import environment, running, wait_for

pytestmark = pytest.mark.slow

KETTLE = " ".join(
    f"Step {n}: descale the kettle, rinse it twice, and boil fresh water." for n in range(40)
)


def test_a_worker_killed_mid_document_ends_ready_with_chunks_indexed_once(
    postgres_url: str,
    redis_url: str,
    tmp_path: Path,
    make_client: Callable[..., TestClient],
) -> None:
    stall = tmp_path / "stall"
    queue = {"task_queue": "celery", "broker_url": redis_url, "database_url": postgres_url}
    env = environment(**queue, chunk_size="200", chunk_overlap="40")
    env["DOCCHAT_TEST_STALL_FILE"] = str(stall)
    worker = [sys.executable, "-m", "tests.e2e.stalling_worker", "worker", "--concurrency", "1"]
    with running(worker, env, tmp_path, "worker"):
        client = make_client(**queue)
        document = create_document(client, "Kettle", KETTLE)
        url = f"/documents/{document['id']}"

        first = wait_for(
            lambda: (stall.exists() and stall.read_text().strip()) or None, 90, "a stall"
        )
        assert client.get(url).json()["status"] == "processing"  # in the middle of it
        os.kill(int(first), signal.SIGKILL)

        ready = wait_for(
            lambda: client.get(url).json() if client.get(url).json()["status"] == "ready" else None,
            90,
            "the document to be ready",
        )

    finishers = stall.with_suffix(".done").read_text().split()
    assert finishers
    assert first not in finishers
    expected = split_into_chunks(KETTLE, 200, 40)
    assert ready["chunk_count"] == len(expected) > 1
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        stored = session.execute(
            select(Chunk.position, Chunk.text).where(Chunk.document_id == document["id"])
        ).all()
    assert sorted(stored) == list(enumerate(expected))  # each chunk once, none missing
    sources = client.post("/chat/ask", json={"question": "descaling kettles"}).json()["sources"]
    assert sources
    assert {s["document_id"] for s in sources} == {document["id"]}
