"""Asks sent all at once to a real DocChat (uvicorn, the factory) on each of several databases:
the status codes and times of the answers, and the connections its pool kept open."""

import json

from bench import loadgen
from bench.fixtures import server_env
from bench.servers import ServerSpec, serving
from docchat.core.db import build_engine


def ask_requests(questions: list[str], count: int) -> list[loadgen.Request]:
    """`count` `POST /chat/ask` requests, through `questions` in turn."""
    return [
        loadgen.Request(
            "POST", "/chat/ask", json.dumps({"question": questions[n % len(questions)]}).encode()
        )
        for n in range(count)
    ]


def bursts(
    urls: dict[str, str], asked: list[str], count: int, threads: int
) -> tuple[dict[str, loadgen.BurstResult], int]:
    """`count` asks sent at once to a DocChat on each database (DOCCHAT_THREADS=`threads`),
    and how many connections the PostgreSQL one held afterwards (its pool keeps them)."""
    specs = [
        ServerSpec(name, "docchat.main:create_app",
                   {**server_env(url), "DOCCHAT_THREADS": str(threads)})
        for name, url in urls.items()
    ]  # fmt: skip
    asks = ask_requests(asked, count)
    results: dict[str, loadgen.BurstResult] = {}
    with serving(specs) as servers:
        for name, server in servers.items():
            loadgen.one_by_one(server.url, asks[:4])  # warm: imports, the first connections
            results[name] = loadgen.burst(server.url, asks)
        held = server_connections(urls["postgresql"])
    return results, held


def server_connections(url: str) -> int:
    """Connections to the database at `url` from clients other than this one."""
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            return int(
                connection.exec_driver_sql(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                ).scalar_one()
            )
    finally:
        engine.dispose()
