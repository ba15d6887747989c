"""Liveness and readiness."""

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from docchat.core.db import build_engine
from tests.docchat_testkit import remove_database


def test_health_returns_ok(client: TestClient) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_ready_when_database_answers_returns_200(client: TestClient) -> None:
    response = client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok"}


def test_health_ready_when_database_is_down_returns_503(client: TestClient, app: FastAPI) -> None:
    broken = build_engine("sqlite:////nonexistent-dir/for/docchat.db")
    app.state.engine = broken
    try:
        response = client.get("/health/ready")
        liveness = client.get("/health")
    finally:
        broken.dispose()

    assert response.status_code == 503
    assert response.json() == {"detail": "database unavailable (OperationalError)"}
    assert response.headers["retry-after"] == "5"
    assert liveness.status_code == 200  # alive, just not ready


def test_readiness_is_503_when_the_lifespan_never_ran() -> None:
    from fastapi.testclient import TestClient

    from docchat.core.config import Settings
    from docchat.main import create_app

    app = create_app(Settings(_env_file=None, database_url="sqlite://"))
    client = TestClient(app)  # no `with`: start-up never runs, so no tables exist
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json() == {"detail": "the app has not started"}
    assert response.headers["retry-after"] == "5"
    with TestClient(app) as started:
        assert started.get("/health/ready").status_code == 200
    assert client.get("/health/ready").status_code == 503  # and again after shutdown


# --- readiness tells the truth about the database file -------------------------------------------


@pytest.fixture
def on_file(make_client: Callable[..., TestClient], tmp_path: Path) -> tuple[TestClient, Path]:
    database = tmp_path / "docchat.db"
    client = make_client(database_url=f"sqlite:///{database}")
    assert client.get("/health/ready").json() == {"status": "ready", "database": "ok"}
    return client, database


def _not_ready(client: TestClient, because: str) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert response.json() == {"detail": f"database unavailable ({because})"}


@contextmanager
def _read_only(database: Path) -> Iterator[None]:
    """The file made read-only for this process: chmod, or for root (who ignores modes)
    the immutable attribute."""
    if os.geteuid() != 0:
        database.chmod(0o444)
        try:
            yield
        finally:
            database.chmod(0o644)
        return
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: no way to make a file read-only")
    if subprocess.run(["chattr", "+i", str(database)], capture_output=True).returncode != 0:
        pytest.skip("this file system refuses the immutable attribute")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(database)], check=True)


def test_readiness_is_503_on_a_read_only_database_file(on_file: tuple[TestClient, Path]) -> None:
    client, database = on_file
    # Fold the WAL in, as a stopped server leaves it. The connection stays open through the
    # check: opened before the file turns read-only, it takes the read-write descriptor SQLite
    # kept from a connection closed earlier, which the probe would otherwise reuse (issue 16's
    # report). closing(): `with` on a sqlite3 connection only commits.
    with closing(sqlite3.connect(database)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        with _read_only(database):
            _not_ready(client, "OperationalError")

    assert client.get("/health/ready").status_code == 200


def test_readiness_is_503_on_a_database_opened_read_only(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    database = tmp_path / "docchat.db"
    make_client(database_url=f"sqlite:///{database}")  # creates the tables
    client = make_client(database_url=f"sqlite:///file:{database}?mode=ro&uri=true")

    assert client.get("/documents/").status_code == 200  # it reads...
    _not_ready(client, "OperationalError")  # ...but would refuse every upload


def test_readiness_is_503_when_the_database_file_is_deleted_and_no_write_answers_202(
    on_file: tuple[TestClient, Path],
) -> None:
    client, database = on_file
    remove_database(database)

    _not_ready(client, "the database file is gone")
    created = client.post("/documents/", json={"title": "lost?", "content": "Kettles boil."})

    assert created.status_code == 503  # never a 202 into the deleted file
    assert not database.exists()  # and no empty database made in its place


def test_readiness_is_503_when_the_file_is_replaced_by_an_empty_one(
    on_file: tuple[TestClient, Path],
) -> None:
    client, database = on_file
    remove_database(database)
    sqlite3.connect(database).close()

    _not_ready(client, "OperationalError")
    created = client.post("/documents/", json={"title": "lost?", "content": "Kettles boil."})
    assert created.status_code == 503  # and no write is taken into either file


def test_readiness_says_busy_not_down_while_another_writer_holds_the_lock(
    on_file: tuple[TestClient, Path],
) -> None:
    client, database = on_file
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = client.get("/health/ready")
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "busy"}


def test_the_readiness_probe_leaves_nothing_behind(on_file: tuple[TestClient, Path]) -> None:
    client, _ = on_file
    for _ in range(3):
        assert client.get("/health/ready").status_code == 200

    created = client.post("/documents/", json={"title": "first", "content": "Kettles boil."})

    assert created.json()["id"] == 1  # the probe's rolled-back rows used no id
    assert [d["title"] for d in client.get("/documents/").json()] == ["first"]
