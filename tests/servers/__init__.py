"""Real PostgreSQL and Redis servers for the tests, each on a free port in a temporary folder.

pytest-postgresql starts one PostgreSQL per test session (per xdist worker) and migrates a
template database once; the session's database is a copy of it, emptied before each test
(faster than a copy per test). pytest-redis starts Redis.
When the servers are missing, these fixtures fail: they never skip.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pytest_postgresql import factories as pg_factories
from pytest_postgresql.executors import PostgreSQLExecutor
from pytest_postgresql.janitor import DatabaseJanitor
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
redis_proc = redis_factories.redis_proc(executable=REDIS_SERVER, port=None)


def _janitor(server: PostgreSQLExecutor, dbname: str) -> DatabaseJanitor:
    return DatabaseJanitor(
        user=server.user,
        host=server.host,
        port=server.port,
        dbname=dbname,
        template_dbname=server.template_dbname,
        password=server.password,
    )


@pytest.fixture(scope="session")
def postgres_database(postgresql_proc: PostgreSQLExecutor) -> Iterator[str]:
    """This session's migrated database (a copy of the template)."""
    with _janitor(postgresql_proc, "docchat_tests"):
        yield pg_url(
            postgresql_proc.host, postgresql_proc.port, postgresql_proc.user, "docchat_tests",
            postgresql_proc.password,
        )  # fmt: skip


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    """The session's database, emptied: no rows, ids from 1 again."""
    engine = build_engine(postgres_database)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "TRUNCATE documents, chunks, docchat_claims RESTART IDENTITY CASCADE"
            )
    finally:
        engine.dispose()
    return postgres_database


@pytest.fixture
def empty_postgres_url(postgresql_proc: PostgreSQLExecutor) -> str:
    """A database on the test server with no schema at all, as a new deployment has."""
    server = postgresql_proc
    name = "docchat_empty"
    with psycopg.connect(
        host=server.host, port=server.port, user=server.user, dbname="postgres", autocommit=True
    ) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    return pg_url(server.host, server.port, server.user, name, server.password)


@pytest.fixture
def redis_url(redis_proc: RedisExecutor) -> str:
    return f"redis://{redis_proc.host}:{redis_proc.port}/0"
