"""200 asks at once against a real `docchat serve` on PostgreSQL: every one answered, no 5xx.

Issue 13 saw 13 of 200 end in 500 (`sqlalchemy.exc.TimeoutError`: the pool was exhausted).
The pool is sized from DOCCHAT_THREADS for the threads that use it (core/capacity.py), and
requests reach the database only through those threads, so 200 waiting requests queue for
a thread, never for a connection: even the smallest pool (DOCCHAT_THREADS=1, 3 connections)
serves them all. The server also never opens more connections than its pool holds, which
is what keeps processes x pool under PostgreSQL's max_connections.
"""

import json
from pathlib import Path

import pytest

from bench import loadgen
from bench.corpus import Prose
from bench.scale_search import fill
from bench.served_asks import ask_requests, server_connections
from docchat.core.capacity import capacity_for
from docchat.core.config import Settings
from docchat.core.db import build_engine
from tests.e2e.docchat_server import docchat_serve

pytestmark = pytest.mark.slow
ASKS = 200
CHUNKS = 2_000


@pytest.mark.parametrize("threads", [1, 8])
def test_200_concurrent_asks_on_postgresql_get_no_5xx(
    tmp_path: Path, postgres_url: str, threads: int
) -> None:
    engine = build_engine(postgres_url)
    try:
        fill(engine, CHUNKS, Prose(seed=5))
    finally:
        engine.dispose()
    prose = Prose(seed=9)  # the corpus's words: every question finds passages
    asks = ask_requests([prose.question() for _ in range(ASKS)], ASKS)
    env = {"DOCCHAT_DATABASE_URL": postgres_url, "DOCCHAT_THREADS": str(threads)}
    with docchat_serve(tmp_path, **env) as server:
        result = loadgen.burst(server.url, asks)
        held = server_connections(postgres_url)

    failed = {r.status: r.body[:200] for r in result.replies if r.status != 200}
    assert result.statuses == {200: ASKS}, failed
    answers = [json.loads(reply.body) for reply in result.replies]
    assert all(answer["sources"] for answer in answers)  # each one really searched
    capacity = capacity_for(Settings(_env_file=None, database_url=postgres_url, threads=threads))
    assert 1 <= held <= capacity.connections
