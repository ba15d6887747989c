"""The API's tests run on SQLite and on a real PostgreSQL (tests/servers)."""

from pathlib import Path

import pytest

from docchat.core.config import Settings
from tests.docchat_testkit import make_settings


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return "sqlite://"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def settings(clean_env: Path, database_url: str) -> Settings:
    return make_settings(database_url=database_url)
