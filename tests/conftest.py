"""Fixtures for the app's tests: a fresh app per test, built from explicit settings."""

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from docchat.core.config import Settings, get_settings
from docchat.main import create_app
from tests.docchat_testkit import make_settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No DOCCHAT_ variable from the shell, no `.env` from the repo, no cached settings."""
    for name in list(os.environ):
        if name.upper().startswith("DOCCHAT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.fixture
def settings(clean_env: Path) -> Settings:
    return make_settings()


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def make_client(clean_env: Path) -> Iterator[Callable[..., TestClient]]:
    """Build and start an app on settings overrides; every client is stopped at teardown."""
    with ExitStack() as stack:

        def build(raise_server_exceptions: bool = True, **overrides: Any) -> TestClient:
            test_client = TestClient(
                create_app(make_settings(**overrides)),
                raise_server_exceptions=raise_server_exceptions,
            )
            return stack.enter_context(test_client)

        yield build


# Real servers (tests/servers): PostgreSQL and Redis, started on first use in a session.
from tests.servers import (  # noqa: E402
    empty_postgres_url,
    postgres_database,
    postgres_url,
    postgresql_proc,
    redis_proc,
    redis_url,
)

__all__ = [
    "empty_postgres_url",
    "postgres_database",
    "postgres_url",
    "postgresql_proc",
    "redis_proc",
    "redis_url",
]
