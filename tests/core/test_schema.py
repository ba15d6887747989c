"""Migrations: SQLite is brought up to date at start-up; PostgreSQL waits for
`docchat db upgrade`, and the app refuses to start on it until then, saying what to run."""

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text

from docchat.cli import main
from docchat.core import schema
from docchat.core.db import build_engine
from docchat.main import create_app
from docchat.models import Base
from tests.docchat_testkit import make_settings

# Made by the migrations, not by the models: each database's own search objects.
NOT_IN_MODELS = {"docchat_claims", "chunk_fts", "search_vector", "ix_chunks_search_vector"}


def _differences(url: str) -> list[Any]:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "include_object": lambda obj, name, *_: (
                        not (name in NOT_IN_MODELS or str(name).startswith("chunk_fts"))
                    ),
                },
            )
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_the_migrations_make_the_models_schema_on_sqlite(clean_env: Path) -> None:
    url = f"sqlite:///{clean_env / 'docchat.db'}"
    engine = build_engine(url)
    schema.upgrade(engine)
    engine.dispose()

    assert _differences(url) == []


def test_the_migrations_make_the_models_schema_on_postgresql(postgres_url: str) -> None:
    assert _differences(postgres_url) == []


def test_a_sqlite_file_made_before_migrations_is_stamped_and_upgraded(clean_env: Path) -> None:
    url = f"sqlite:///{clean_env / 'docchat.db'}"
    engine = create_engine(url)
    Base.metadata.create_all(engine)  # as every version before the migrations did
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO documents (title, content, status, chunk_count, created_at,"
                " updated_at) VALUES ('Old', 'kept', 'ready', 0, '2024-01-01', '2024-01-01')"
            )
        )
    engine.dispose()

    with TestClient(create_app(make_settings(database_url=url))) as client:
        assert [d["title"] for d in client.get("/documents/").json()] == ["Old"]

    engine = create_engine(url)
    with engine.connect() as connection:
        assert schema.current(connection) == schema.head()
        assert inspect(connection).has_table("docchat_claims")
    engine.dispose()


def test_postgresql_behind_is_refused_until_docchat_db_upgrade(
    clean_env: Path,
    empty_postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = create_app(make_settings(database_url=empty_postgres_url))
    with pytest.raises(schema.SchemaBehindError) as refused, TestClient(app):
        pass
    assert "has no DocChat schema yet" in str(refused.value)
    assert "Run `docchat db upgrade`" in str(refused.value)

    monkeypatch.setenv("DOCCHAT_DATABASE_URL", empty_postgres_url)
    assert main(["db", "upgrade"]) == 0
    assert f"upgraded from nothing to {schema.head()}" in capsys.readouterr().err
    assert main(["db", "upgrade"]) == 0
    assert "is up to date" in capsys.readouterr().err

    with TestClient(create_app(make_settings(database_url=empty_postgres_url))) as client:
        assert client.get("/health/ready").json() == {"status": "ready", "database": "ok"}


@pytest.mark.parametrize("command", [["serve", "--workers", "4"], ["worker"]])
def test_serve_and_worker_refuse_a_database_that_is_behind(
    clean_env: Path,
    empty_postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    monkeypatch.setenv("DOCCHAT_DATABASE_URL", empty_postgres_url)

    assert main(command) == 2

    error = capsys.readouterr().err
    assert "has no DocChat schema yet" in error
    assert "Run `docchat db upgrade`" in error
