"""Hosts exercise 7: builds the learner's Settings in a controlled environment and reports.

Each probe runs with a clean copy of the environment (no DOCCHAT_ variables but the judge's)
in a fresh scratch folder as the working directory, where it may write a `.env`; both are
restored afterwards. Checks run one at a time, so changing the process's environment and
working directory here is safe.
"""

import asyncio
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any

from fastapi import FastAPI
from pydantic import ValidationError

from docchat_lab.harness.settings_environment import (
    PREFIX,
    TEXT_LIMIT,
    scrub_environment,
    warm_settings,
)
from docchat_lab.harness.settings_environment import environment as _environment
from docchat_lab.harness.settings_environment import plain as _plain
from docchat_lab.harness.settings_environment import validation_error as _error
from docchat_lab.harness.support import warm_fastapi

REQUIRED = ("Settings", "get_settings", "create_app")
FIELDS = (
    "database_url",
    "openai_api_key",
    "cors_origins",
    "chunk_size",
    "chunk_overlap",
    "max_upload_bytes",
)


def warm_up() -> None:
    warm_fastapi()
    warm_settings()


def _require_fields(module: ModuleType) -> None:
    fields = getattr(module.Settings, "model_fields", None) or {}
    if not any(name in fields for name in FIELDS):
        raise NotImplementedError("Settings has no fields yet")


def _clear_cache(module: ModuleType) -> None:
    clear = getattr(module.get_settings, "cache_clear", None)
    if callable(clear):
        clear()


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
    scrub_environment()  # the lifespan's own get_settings() reads the defaults
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
