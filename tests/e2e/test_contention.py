"""Many uploads at once, against a real `docchat serve`: every document ends ready, on SQLite
and on PostgreSQL.

While they are processed, another connection holds the database's write lock for longer than
SQLite's own busy wait (a backup, say); on PostgreSQL, a lock on the chunks table that blocks
every insert for as long. Main's code left documents `pending` (the first commit sat
outside the task's error handling) or `failed` ("database error while indexing") and
answered some uploads 503. Here every upload is accepted and every document ends `ready`:
none pending, none failed, none lost.
"""

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import httpx2 as httpx
import psycopg
import pytest

from bench.corpus import Prose
from docchat.core.sqlite import BUSY_TIMEOUT_MS
from tests.e2e.docchat_server import DocchatServer, docchat_serve

UPLOADS = 30  # of 200 KB each; bench/contention.py runs 200
DOCUMENT_BYTES = 200_000
GUARD_S = 120.0  # nothing here should come near it


def _hold_the_lock_for_a_while(database: Path | str, started: threading.Event) -> None:
    other = sqlite3.connect(database, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        started.set()
        time.sleep(BUSY_TIMEOUT_MS / 1000 + 1.0)
        other.execute("ROLLBACK")
    finally:
        other.close()


def _hold_postgres_chunks_for_a_while(url: str, started: threading.Event) -> None:
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as other:
        other.execute("LOCK TABLE chunks IN SHARE ROW EXCLUSIVE MODE")  # no insert gets past it
        started.set()
        time.sleep(BUSY_TIMEOUT_MS / 1000 + 1.0)
        other.rollback()


async def _upload_all(server: DocchatServer, texts: list[str]) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=server.url, timeout=GUARD_S) as client:

        async def upload(n: int, text: str) -> httpx.Response:
            if n % 2:
                return await client.post("/documents/", json={"title": f"doc {n}", "content": text})
            files = {"file": (f"doc {n}.txt", text.encode(), "text/plain")}
            return await client.post("/documents/upload", files=files)

        return list(await asyncio.gather(*(upload(n, t) for n, t in enumerate(texts))))


def _statuses(server: DocchatServer) -> dict[int, str]:
    documents: dict[int, str] = {}
    with httpx.Client(base_url=server.url, timeout=GUARD_S) as client:
        skip = 0
        while page := client.get("/documents/", params={"skip": skip, "limit": 100}).json():
            documents.update({d["id"]: d["status"] for d in page})
            skip += len(page)
    return documents


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_concurrent_uploads_under_a_held_lock_all_end_ready(
    tmp_path: Path, database: str, request: pytest.FixtureRequest
) -> None:
    prose = Prose(seed=11)
    texts = [prose.text(DOCUMENT_BYTES) for _ in range(UPLOADS)]
    env = {}
    if database == "postgresql":
        env["DOCCHAT_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    with docchat_serve(tmp_path, **env) as server:
        locked = threading.Event()
        if database == "postgresql":
            hold, where = _hold_postgres_chunks_for_a_while, env["DOCCHAT_DATABASE_URL"]
        else:
            hold, where = _hold_the_lock_for_a_while, server.database
        holder = threading.Thread(target=hold, args=(where, locked))
        holder.start()
        assert locked.wait(10)
        responses = asyncio.run(_upload_all(server, texts))
        holder.join()

        assert [r.status_code for r in responses] == [202] * UPLOADS, {
            r.status_code: r.text for r in responses if r.status_code != 202
        }
        ids = {r.json()["id"] for r in responses}
        deadline = time.monotonic() + GUARD_S
        while (statuses := _statuses(server)) and any(
            statuses[i] in ("pending", "processing") for i in ids
        ):
            assert time.monotonic() < deadline, statuses
            time.sleep(0.2)

    assert sorted(statuses) == sorted(ids)  # none lost
    assert {statuses[i] for i in ids} == {"ready"}  # none pending, none failed
