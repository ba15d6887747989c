# Generated from solutions/ by `docchat-lab exercises`: edit this copy freely.
"""Exercise 7 · Settings that fail fast and keep secrets.

DocChat reads its configuration from the environment: a `.env` file on your laptop, the host's
secrets in production. Write the `Settings` class that reads, converts and validates it, a
cached `get_settings()` that the routes depend on (and that tests can swap), and an app whose
`GET /config` shows the public part of the configuration and never the secrets.

A wrong value must stop the app when it starts, with a message that names the setting, not
at 3 a.m. on the first request that needs it.

Background: notebooks/07_settings.ipynb. Check your work: `check("ex07")` in the notebook, or
`docchat-lab check ex07` in a terminal.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url


class Settings(BaseSettings):
    """DocChat's settings, read from environment variables and a `.env` file.

    Where values come from:
    - the environment variable DOCCHAT_<FIELD>, e.g. DOCCHAT_CHUNK_SIZE (the case of the name
      does not matter); variables without the prefix belong to other programs;
    - a `.env` file in the working directory, which the real environment overrides. Other
      tools share that file: keys in it that are not settings are ignored, not errors.

    The fields, with their defaults:
    - database_url: str = "sqlite:///./docchat.db"
    - openai_api_key: a `SecretStr`, or None (the default) when there is no key. Never a
      plain `str`: that would print the key in every `repr(settings)`, log line and traceback.
    - cors_origins: list[str] = ["http://localhost:3000"] (in the environment, a JSON list
      such as `["http://localhost:3000", "https://docchat.example.com"]`)
    - chunk_size: int = 800, greater than 0
    - chunk_overlap: int = 100, at least 0
    - max_upload_bytes: int = 1_000_000, greater than 0

    chunk_overlap must be smaller than chunk_size; otherwise building Settings fails with a
    message that names chunk_overlap (hint: `@model_validator(mode="after")`).
    """

    pass  # TODO: model_config, the six fields, and the chunk_overlap rule


# TODO: one decorator, so that every caller shares one Settings object
def get_settings() -> Settings:
    """The app's settings: built on first use, then the same object for every caller.

    Cache it with `functools.lru_cache`: the environment is read once, not on every request,
    and a test that changes the environment calls `get_settings.cache_clear()` to pick up
    the change.
    """
    # TODO: write get_settings() as its docstring describes.
    raise NotImplementedError("get_settings() is not written yet")


def create_app() -> FastAPI:
    """An app with `GET /config`, the public part of the settings.

    - Call `get_settings()` in the app's lifespan, before it yields: a bad environment then
      stops the app at start-up, with the validation error that names the setting.
    - `GET /config` gets the settings through `Depends(get_settings)` (tests replace them with
      `app.dependency_overrides[get_settings]`) and answers:
      {"database_url": ..., "cors_origins": [...], "chunk_size": ..., "chunk_overlap": ...,
       "max_upload_bytes": ..., "has_api_key": true or false}
      Never the key itself. A database URL may hold a password too: show it with the
      password masked, `make_url(url).render_as_string(hide_password=True)`, which turns
      "postgresql://app:s3cret@db/docchat" into "postgresql://app:***@db/docchat".
    """

    # TODO: write create_app() as its docstring describes.
    raise NotImplementedError("create_app() is not written yet")
