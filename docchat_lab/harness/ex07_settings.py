"""Hosts exercise 7: builds the learner's Settings in a controlled environment and reports.

Each probe runs with a clean copy of the environment (no DOCCHAT_ variables but the judge's)
in a fresh scratch folder as the working directory, where it may write a `.env`; both are
restored afterwards. Checks run one at a time, so changing the process's environment and
working directory here is safe.
"""

import asyncio
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from fastapi import FastAPI
from pydantic import ValidationError

from docchat_lab.harness.support import warm_fastapi

REQUIRED = ("Settings", "get_settings", "create_app")
PREFIX = "DOCCHAT_"
FIELDS = (
    "database_url",
    "openai_api_key",
    "cors_origins",
    "chunk_size",
    "chunk_overlap",
    "max_upload_bytes",
)
TEXT_LIMIT = 4000


def warm_up() -> None:
    """Build a throwaway BaseSettings once in the fork server: the sources, dotenv, JSON."""
    warm_fastapi()
    from pydantic_settings import BaseSettings, SettingsConfigDict

    class _Warm(BaseSettings):
        model_config = SettingsConfigDict(
            env_prefix="DOCCHAT_WARM_", env_file=".env", extra="ignore"
        )
        origins: list[str] = []

    _Warm()


def _require_fields(module: ModuleType) -> None:
    fields = getattr(module.Settings, "model_fields", None) or {}
    if not any(name in fields for name in FIELDS):
        raise NotImplementedError("Settings has no fields yet")


def _scrub_environment() -> None:
    for name in list(os.environ):
        if name.upper().startswith(PREFIX):
            del os.environ[name]


def _clear_cache(module: ModuleType) -> None:
    clear = getattr(module.get_settings, "cache_clear", None)
    if callable(clear):
        clear()


@contextmanager
def _environment(env: dict[str, str], dotenv: str | None = None) -> Iterator[None]:
    saved = dict(os.environ)
    home = Path.cwd()
    scratch = Path(tempfile.mkdtemp(prefix="settings-", dir=home))
    try:
        _scrub_environment()
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


def _plain(value: Any) -> Any:
    """A JSON-able view of a settings value; anything unusual as its type and repr."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return {"type": type(value).__name__, "repr": repr(value)[:200]}


def _values(settings: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in FIELDS:
        if name == "openai_api_key":
            continue
        values[name] = _plain(getattr(settings, name, None))
    key = getattr(settings, "openai_api_key", None)
    reveal = getattr(key, "get_secret_value", None)
    values["openai_api_key"] = {
        "type": type(key).__name__,
        "value": str(reveal()) if callable(reveal) else (key if isinstance(key, str) else None),
    }
    return values


def _error(exc: ValidationError) -> dict[str, Any]:
    return {
        "fields": [".".join(str(part) for part in e.get("loc", ())) for e in exc.errors()],
        "text": str(exc)[:TEXT_LIMIT],
    }


def settings(
    module: ModuleType, params: dict[str, Any], env: dict[str, str], dotenv: str | None = None
) -> dict[str, Any]:
    """Build Settings() with this environment (and .env); its values and printed forms, or the
    validation error."""
    _require_fields(module)
    with _environment(env, dotenv):
        try:
            built = module.Settings()
        except ValidationError as exc:
            return {"error": _error(exc)}
        return {
            "values": _values(built),
            "texts": {
                "repr(settings)": repr(built)[:TEXT_LIMIT],
                "str(settings)": str(built)[:TEXT_LIMIT],
                "settings.model_dump_json()": built.model_dump_json()[:TEXT_LIMIT],
            },
        }


def cache(module: ModuleType, params: dict[str, Any], first: int, second: int) -> dict[str, Any]:
    """Call get_settings() twice, change DOCCHAT_CHUNK_SIZE, call it again, clear the cache
    (if it has one) and call it once more."""
    _require_fields(module)
    get = module.get_settings
    _clear_cache(module)
    try:
        with _environment({f"{PREFIX}CHUNK_SIZE": str(first)}):
            a, b = get(), get()
            os.environ[f"{PREFIX}CHUNK_SIZE"] = str(second)
            c = get()
            _clear_cache(module)
            d = get()
    finally:
        _clear_cache(module)
    return {
        "same": a is b,
        "is_settings": isinstance(a, module.Settings),
        "first": _plain(getattr(a, "chunk_size", None)),
        "after_env_change": _plain(getattr(c, "chunk_size", None)),
        "has_cache_clear": callable(getattr(get, "cache_clear", None)),
        "after_cache_clear": _plain(getattr(d, "chunk_size", None)),
    }


async def _start_and_stop(app: Any) -> None:
    """Run the app's lifespan: start-up, then shut-down; raises what the start-up raised."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    failed: list[str] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "lifespan.startup.complete":
            await inbox.put({"type": "lifespan.shutdown"})
        elif message["type"] == "lifespan.startup.failed":
            failed.append(str(message.get("message") or "start-up failed"))

    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
    # Starlette re-raises the start-up's own exception after reporting it.
    await asyncio.wait_for(app(scope, inbox.get, send), timeout=10)
    if failed:
        raise RuntimeError(failed[0])


def startup(module: ModuleType, params: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Build the app with this environment and run its start-up; report whether it failed."""
    _require_fields(module)
    _clear_cache(module)
    try:
        with _environment(env):
            app = module.create_app()
            asyncio.run(_start_and_stop(app))
    except NotImplementedError:
        raise
    except ValidationError as exc:
        return {"failed": True, **_error(exc)}
    except Exception as exc:  # reported to the judge, who decides
        return {"failed": True, "fields": [], "text": f"{type(exc).__name__}: {exc}"[:TEXT_LIMIT]}
    finally:
        _clear_cache(module)
    return {"failed": False}


def _main(module: ModuleType, params: dict[str, Any], key: str | None) -> FastAPI:
    _require_fields(module)
    _scrub_environment()  # the lifespan's own get_settings() reads the defaults
    _clear_cache(module)
    app: FastAPI = module.create_app()
    chosen = params["config"]
    overriding = module.Settings(**chosen, openai_api_key=key)
    app.dependency_overrides[module.get_settings] = lambda: overriding
    return app


def apps(module: ModuleType, params: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    return {
        "main": lambda: _main(module, params, params["api_key"]),
        "no_key": lambda: _main(module, params, None),
    }


PROBES: dict[str, Callable[..., Any]] = {"settings": settings, "cache": cache, "startup": startup}
