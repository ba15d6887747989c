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

    ### BEGIN SOLUTION
    model_config = SettingsConfigDict(
        env_prefix="DOCCHAT_",
        env_file=".env",
        extra="ignore",
        # A rejected value may be a password: errors name the field, never echo the input.
        hide_input_in_errors=True,
    )

    database_url: str = "sqlite:///./docchat.db"
    openai_api_key: SecretStr | None = None
    cors_origins: list[str] = ["http://localhost:3000"]
    chunk_size: int = Field(default=800, gt=0)
    chunk_overlap: int = Field(default=100, ge=0)
    max_upload_bytes: int = Field(default=1_000_000, gt=0)

    @model_validator(mode="after")
    def _overlap_below_size(self) -> "Settings":
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) must be smaller than "
                f"chunk_size ({self.chunk_size})"
            )
        return self

    ### END SOLUTION
    ### BEGIN STUB
    # pass  # TODO: model_config, the six fields, and the chunk_overlap rule
    ### END STUB


### BEGIN SOLUTION
@lru_cache
### END SOLUTION
### BEGIN STUB
# # TODO: one decorator, so that every caller shares one Settings object
### END STUB
def get_settings() -> Settings:
    """The app's settings: built on first use, then the same object for every caller.

    Cache it with `functools.lru_cache`: the environment is read once, not on every request,
    and a test that changes the environment calls `get_settings.cache_clear()` to pick up
    the change.
    """
    ### BEGIN SOLUTION
    return Settings()
    ### END SOLUTION


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

    ### BEGIN SOLUTION
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        get_settings()  # a bad environment fails here, before the first request
        yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/config")
    def read_config(settings: Annotated[Settings, Depends(get_settings)]) -> dict[str, Any]:
        """The public configuration: no key, no password."""
        return {
            "database_url": make_url(settings.database_url).render_as_string(hide_password=True),
            "cors_origins": settings.cors_origins,
            "chunk_size": settings.chunk_size,
            "chunk_overlap": settings.chunk_overlap,
            "max_upload_bytes": settings.max_upload_bytes,
            "has_api_key": settings.openai_api_key is not None,
        }

    return app
    ### END SOLUTION
