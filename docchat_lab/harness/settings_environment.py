"""Build settings in an environment the judge chose: its variables only, and its own `.env`.

pydantic-settings reads `os.environ` and the working directory's `.env`, so a probe sets both
for the length of one build and puts everything back afterwards. Checks run one at a time in
a worker, which makes changing the process's environment and working directory here safe.
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import ValidationError

PREFIX = "DOCCHAT_"
TEXT_LIMIT = 4000


def scrub_environment() -> None:
    """No DOCCHAT_ variable but the ones a probe sets (names are case-insensitive)."""
    for name in list(os.environ):
        if name.upper().startswith(PREFIX):
            del os.environ[name]


@contextmanager
def environment(env: dict[str, str], dotenv: str | None = None) -> Iterator[None]:
    """Run inside a fresh scratch folder (holding `dotenv` as `.env`) with exactly `env` set."""
    saved = dict(os.environ)
    home = Path.cwd()
    scratch = Path(tempfile.mkdtemp(prefix="settings-", dir=home))
    try:
        scrub_environment()
        os.environ.update({str(k): str(v) for k, v in env.items()})
        if dotenv is not None:
            (scratch / ".env").write_text(dotenv, encoding="utf-8")
        os.chdir(scratch)
        yield
    finally:
        os.chdir(home)
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(scratch, ignore_errors=True)


def validation_error(exc: ValidationError) -> dict[str, Any]:
    """The fields a validation error names, and its text as a user would see it."""
    return {
        "fields": [".".join(str(part) for part in e.get("loc", ())) for e in exc.errors()],
        "text": str(exc)[:TEXT_LIMIT],
    }


def plain(value: Any) -> Any:
    """A JSON-able view of a settings value; anything unusual as its type and repr."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return {"type": type(value).__name__, "repr": repr(value)[:200]}


def warm_settings() -> None:
    """Build a throwaway BaseSettings once in the fork server: the sources, dotenv, JSON."""
    from pydantic_settings import BaseSettings, SettingsConfigDict

    class _Warm(BaseSettings):
        model_config = SettingsConfigDict(
            env_prefix="DOCCHAT_WARM_", env_file=".env", extra="ignore"
        )
        origins: list[str] = []

    _Warm()
