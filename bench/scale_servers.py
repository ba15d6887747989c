"""A PostgreSQL and a Redis of the benchmark's own, in a temporary folder, on free ports."""

import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from pytest_postgresql.executors import PostgreSQLExecutor

from bench.servers import free_port
from docchat.core import schema
from docchat.core.db import build_engine

ROOT = Path(__file__).resolve().parents[1]
PG_CTL = ROOT / "tests" / "servers" / "pg_ctl"  # runs the server as `postgres` under root


@contextmanager
def postgres(folder: Path) -> Iterator[int]:
    """PostgreSQL 15 for the length of the block; yields its port."""
    port = free_port()
    server = PostgreSQLExecutor(
        executable=str(PG_CTL), host="127.0.0.1", port=port, user="postgres",
        password="", dbname="bench", options="", datadir=f"{folder}/data",
        unixsocketdir=tempfile.gettempdir(), logfile=f"{folder}/pg.log",
        startparams="-w", postgres_options="-c fsync=off -c synchronous_commit=off",
    )  # fmt: skip
    server.start()
    try:
        _wait_for_connections(port)
        yield port
    finally:
        server.stop()


def _wait_for_connections(port: int, timeout: float = 60.0) -> None:
    """The port opens before the server takes connections ("starting up"): wait for that."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres").close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def new_database(port: int, name: str) -> str:
    """A new database on the server, migrated; returns its URL."""
    admin = build_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres")
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/{name}"
    engine = build_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    return url


@contextmanager
def redis(folder: Path) -> Iterator[str]:
    """Redis for the length of the block, nothing saved; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)
