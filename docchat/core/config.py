"""DocChat's settings: read once from the environment (prefix DOCCHAT_) and an optional .env."""

from functools import lru_cache
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from docchat.core.origins import normalise_origin


class Settings(BaseSettings):
    # Stage 07: read DOCCHAT_* variables and an optional .env (UTF-8), ignore other keys,
    # and never echo a rejected value in an error.
    ### BEGIN SOLUTION 07
    model_config = SettingsConfigDict(
        env_prefix="DOCCHAT_",
        env_file=".env",
        env_file_encoding="utf-8",
        # Other tools share .env; their keys are not our errors.
        extra="ignore",
        # A rejected value may hold a password: errors name the field, never echo the input.
        hide_input_in_errors=True,
    )
    ### END SOLUTION
    ### BEGIN STUB
    # model_config = SettingsConfigDict()
    ### END STUB

    database_url: str = "sqlite:///./docchat.db"
    openai_api_key: SecretStr | None = None
    openai_base_url: str = "https://api.openai.com/v1"
    llm_model: str = "gpt-4o-mini"
    llm_timeout_s: float = Field(default=30.0, gt=0, le=600)
    # Before cors_origins, whose validator needs it.
    cors_allow_credentials: bool = True
    # NoDecode: accept "a,b" as well as a JSON list from the environment.
    cors_origins: Annotated[list[str], NoDecode] = ["http://localhost:3000"]
    max_upload_bytes: int = Field(default=1_000_000, gt=0, le=100_000_000)
    chunk_size: int = Field(default=800, ge=100, le=20_000)
    # validate_default: a chunk_size set below the default overlap must be caught too.
    chunk_overlap: int = Field(default=100, ge=0, validate_default=True)
    # The one knob for concurrency: the thread limit and the connection pool both come
    # from it (see docchat.core.capacity), so they cannot be set into a deadlock.
    threads: int = Field(default=8, ge=1, le=256)
    # How long a request waits for a pooled connection before it answers 503.
    pool_timeout_s: float = Field(default=30.0, gt=0, le=600)
    # Where documents are processed: in the web process, or on `docchat worker`s (Celery).
    task_queue: Literal["background", "celery"] = "background"
    broker_url: str = "redis://127.0.0.1:6379/0"
    # One name for every web process of a deployment (`docchat serve --workers N` sets it):
    # unfinished documents are recovered once per deployment. Empty: each process alone.
    deployment: str = Field(default="", max_length=100)

    @field_validator("database_url")
    @classmethod
    def _database_url_is_usable(cls, url: str) -> str:
        # A typo fails here, naming the field, not as a traceback when the engine is built.
        try:
            make_url(url).get_dialect()
        except ArgumentError as exc:
            raise ValueError(f"not a database URL like sqlite:///./docchat.db ({exc})") from None
        return url

    @field_validator("openai_base_url")
    @classmethod
    def _base_url_is_http(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("not an http(s) URL like https://api.openai.com/v1")
        return url

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        """A string from the environment: a JSON list, or origins separated by commas."""
        ### BEGIN SOLUTION 07
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import json

                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value
        ### END SOLUTION
        ### BEGIN STUB
        # return value
        ### END STUB

    @field_validator("cors_origins")
    @classmethod
    def _origins_are_bare(cls, origins: list[str], info: ValidationInfo) -> list[str]:
        """'*' only without credentials; every other origin as normalise_origin writes it."""
        ### BEGIN SOLUTION 07
        normalised: list[str] = []
        for origin in origins:
            if origin == "*":
                # Starlette would echo any origin back with credentials allowed (ERRATA 18).
                if info.data.get("cors_allow_credentials", False):
                    raise ValueError(
                        "'*' together with cors_allow_credentials=true would let any site "
                        "make credentialed calls; list the origins instead"
                    )
                normalised.append(origin)
                continue
            # Written as a browser writes its Origin header, or it could never match one.
            normalised.append(normalise_origin(origin))
        return list(dict.fromkeys(normalised))
        ### END SOLUTION
        ### BEGIN STUB
        # return origins
        ### END STUB

    @field_validator("openai_api_key", mode="before")
    @classmethod
    def _blank_key_means_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("openai_api_key")
    @classmethod
    def _key_fits_in_a_header(cls, key: SecretStr | None) -> SecretStr | None:
        # A pasted key often ends in a newline: it would fail every ask with a 502, so
        # refuse it here. The message never shows the key.
        if key is not None and not key.get_secret_value().isprintable():
            raise ValueError("contains a line break or another character a key cannot have")
        if key is not None and not key.get_secret_value().isascii():
            raise ValueError("contains a character outside ASCII, which a key cannot have")
        if key is not None and key.get_secret_value() != key.get_secret_value().strip():
            # "sk-... " would pass the checks above and fail every ask (LocalProtocolError).
            raise ValueError("starts or ends with a space, which a key cannot have")
        return key

    @field_validator("chunk_overlap")
    @classmethod
    def _overlap_below_size(cls, overlap: int, info: ValidationInfo) -> int:
        """The overlap must be smaller than the chunk size; the message gives both numbers."""
        ### BEGIN SOLUTION 07
        size = info.data.get("chunk_size")
        if size is not None and overlap >= size:
            raise ValueError(f"chunk_overlap ({overlap}) must be smaller than chunk_size ({size})")
        return overlap
        ### END SOLUTION
        ### BEGIN STUB
        # return overlap
        ### END STUB


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read on first use; tests call get_settings.cache_clear()."""
    return Settings()
