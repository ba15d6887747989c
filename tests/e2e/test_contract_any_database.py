"""The contract walk (what the capstone asks of a learner's DocChat) against the reference, on
SQLite, on PostgreSQL, and on PostgreSQL with processing on a Celery worker over Redis."""

import sys
from pathlib import Path

import pytest

from docchat.main import create_app
from docchat_lab.stages.contract import walk
from tests.e2e.conftest import file_settings, hermetic_settings, served
from tests.e2e.processes import environment, running


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_reference_walks_the_contract(
    tmp_path: Path, database: str, request: pytest.FixtureRequest
) -> None:
    if database == "sqlite":
        settings = file_settings(tmp_path)
    else:
        settings = hermetic_settings(database_url=request.getfixturevalue("postgres_url"))
    with served(create_app(settings), f"contract-{database}") as server:
        result = walk(server.url)
    assert result.passed, repr(result)


@pytest.mark.slow
def test_the_reference_walks_the_contract_with_a_celery_worker(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    settings = hermetic_settings(
        database_url=postgres_url, task_queue="celery", broker_url=redis_url
    )
    env = environment(database_url=postgres_url, task_queue="celery", broker_url=redis_url)
    worker = [sys.executable, "-m", "docchat", "worker", "--concurrency", "1"]
    with (
        running(worker, env, tmp_path, "worker"),
        served(create_app(settings), "contract-celery") as server,
    ):
        result = walk(server.url)
    assert result.passed, repr(result)
