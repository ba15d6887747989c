"""DocChat's settings: read once from the environment (prefix DOCCHAT_) and an optional .env."""

from functools import lru_cache
from typing import Annotated, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DOCCHAT_",
        env_file=".env",
        env_file_encoding="utf-8",
        # Other tools share .env; their keys are not our errors.
        extra="ignore",
    )

    database_url: str = "sqlite:///./docchat.db"
    openai_api_key: SecretStr | None = None
    openai_base_url: str = "https://api.openai.com/v1"
    llm_model: str = "gpt-4o-mini"
    llm_timeout_s: float = Field(default=30.0, gt=0, le=600)
    # NoDecode: accept "a,b" as well as a JSON list from the environment.
    cors_origins: Annotated[list[str], NoDecode] = ["http://localhost:3000"]
    cors_allow_credentials: bool = True
    max_upload_bytes: int = Field(default=1_000_000, gt=0, le=100_000_000)
    chunk_size: int = Field(default=800, ge=100, le=20_000)
    chunk_overlap: int = Field(default=100, ge=0)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import json

                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins_are_bare(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            if origin == "*":
                continue
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{origin!r} is not an origin like http://localhost:3000")
            # The browser sends the origin without a path, so "…/" would never match.
            if parts.path or parts.query or parts.fragment:
                raise ValueError(f"{origin!r} must not have a path or a trailing slash")
        return origins

    @field_validator("openai_api_key", mode="before")
    @classmethod
    def _blank_key_means_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if "*" in self.cors_origins and self.cors_allow_credentials:
            raise ValueError(
                "cors_origins: '*' together with cors_allow_credentials=true would let any "
                "site make credentialed calls; list the origins instead"
            )
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) must be smaller than "
                f"chunk_size ({self.chunk_size})"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read on first use; tests call get_settings.cache_clear()."""
    return Settings()
