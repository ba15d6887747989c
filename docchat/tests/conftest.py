"""Fixtures for DocChat's own tests: a new app, on a new in-memory database, for every test."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from docchat.core.config import Settings
from docchat.main import create_app


@pytest.fixture
def settings() -> Settings:
    """Settings for one test: an in-memory database, no key, no `.env` file read."""
    ### BEGIN SOLUTION 08
    return Settings(_env_file=None, database_url="sqlite://", openai_api_key=None)
    ### END SOLUTION


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A client of a DocChat of its own: built from `settings`, started and stopped by `with`."""
    ### BEGIN SOLUTION 08
    with TestClient(create_app(settings)) as test_client:
        yield test_client
    ### END SOLUTION
