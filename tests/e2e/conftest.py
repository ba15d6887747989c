"""Fixtures for the end-to-end tests: apps on explicit settings, served for real when needed."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from docchat.core.config import Settings
from docchat.main import create_app
from docchat_lab.serving import InlineServer


def hermetic_settings(**overrides: Any) -> Settings:
    """Every field given explicitly, so no DOCCHAT_ variable or `.env` can change a test."""
    values = {
        name: field.get_default(call_default_factory=True)
        for name, field in Settings.model_fields.items()
    }
    values.update(database_url="sqlite://", openai_api_key=None)
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def file_settings(directory: Path, **overrides: Any) -> Settings:
    """Settings on a real SQLite file, as in production (a pool of connections, WAL)."""
    return hermetic_settings(database_url=f"sqlite:///{directory / 'docchat.db'}", **overrides)


@pytest.fixture
def memory_app() -> FastAPI:
    return create_app(hermetic_settings())


@pytest.fixture
def memory_client(memory_app: FastAPI) -> Iterator[TestClient]:
    """A started app; a crash comes back as the 500 a real client would see."""
    with TestClient(memory_app, raise_server_exceptions=False) as client:
        yield client


@contextmanager
def served(app: Any, name: str) -> Iterator[InlineServer]:
    """`app` under a real uvicorn on 127.0.0.1 (a thread of this process), stopped after."""
    server = InlineServer(app, name=f"e2e-{name}").start()
    try:
        yield server
    finally:
        server.stop()
