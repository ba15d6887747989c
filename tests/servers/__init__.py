"""Real PostgreSQL and Redis servers for the tests, each on a free port in a temporary folder.

pytest-postgresql starts one PostgreSQL per test session (per xdist worker), migrates a
template database once, and gives each test a fresh copy of it; pytest-redis starts Redis.
When the servers are missing, these fixtures fail: they never skip.
"""

from pathlib import Path
from typing import Any

import pytest
from psycopg import Connection
from pytest_postgresql import factories as pg_factories
from pytest_redis import factories as redis_factories
from pytest_redis.executor import RedisExecutor

from docchat.core import schema
from docchat.core.db import build_engine

PG_CTL = Path(__file__).with_name("pg_ctl")
REDIS_SERVER = "/usr/bin/redis-server"


def pg_url(
    host: str, port: int, user: str, dbname: str, password: str | None = None, **_: Any
) -> str:
    secret = f":{password}" if password else ""
    return f"postgresql+psycopg://{user}{secret}@{host}:{port}/{dbname}"


def migrate_template(**connection: Any) -> None:
    """Bring the template database to the newest revision, as `docchat db upgrade` does."""
    engine = build_engine(pg_url(**connection))
    try:
        schema.upgrade(engine)
    finally:
        engine.dispose()


postgresql_proc = pg_factories.postgresql_proc(
    executable=str(PG_CTL),
    port=None,
    # A throwaway server: durability costs time and buys nothing here.
    postgres_options="-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
    load=[migrate_template],
)
postgresql = pg_factories.postgresql("postgresql_proc")
redis_proc = redis_factories.redis_proc(executable=REDIS_SERVER, port=None)


@pytest.fixture
def postgres_url(postgresql: Connection[Any]) -> str:
    """A fresh, migrated database of its own for this test."""
    info = postgresql.info
    return pg_url(info.host, info.port, info.user, info.dbname, info.password)


@pytest.fixture
def empty_postgres_url(postgresql: Connection[Any]) -> str:
    """A database on the test server with no schema at all, as a new deployment has."""
    postgresql.autocommit = True
    postgresql.execute("DROP DATABASE IF EXISTS docchat_empty")
    postgresql.execute("CREATE DATABASE docchat_empty")
    info = postgresql.info
    return pg_url(info.host, info.port, info.user, "docchat_empty", info.password)


@pytest.fixture
def redis_url(redis_proc: RedisExecutor) -> str:
    return f"redis://{redis_proc.host}:{redis_proc.port}/0"
