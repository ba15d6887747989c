"""Hosts stage 05: the learner's whole app, built by their create_app with the judge's origins.

Each app gets one extra route of ours, `GET /_slow?ms=N`, which takes N milliseconds, so the
timing header can be checked against a known duration.
"""

import asyncio
import functools
from collections.abc import Callable
from types import ModuleType
from typing import Any

from fastapi import FastAPI

from docchat_lab.harness.stage_support import PACKAGE, data_dir, learner
from docchat_lab.harness.support import warm_fastapi

MODULES = ("models", "core.config", "core.db", "api.timing", "main")
REQUIRED = ("main:create_app", "main:install_middleware", "api.timing:ProcessTimeMiddleware")
__all__ = ["PACKAGE", "apps", "warm_up"]


def warm_up() -> None:
    warm_fastapi()


def _app(package: ModuleType, params: dict[str, Any], name: str) -> FastAPI:
    config, main = learner(package, "core.config"), learner(package, "main")
    origins, credentials = params["apps"][name]
    settings = config.Settings(
        database_url=f"sqlite:///{data_dir(params) / name}.db",
        cors_origins=origins,
        cors_allow_credentials=credentials,
    )
    app = main.create_app(settings)
    if not isinstance(app, FastAPI):
        raise TypeError(f"create_app() returned {type(app).__name__}, not a FastAPI app")

    @app.get("/_slow", include_in_schema=False)
    async def slow(ms: int) -> dict[str, int]:
        await asyncio.sleep(ms / 1000)
        return {"slept_ms": ms}

    return app


def apps(package: ModuleType, params: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    return {name: functools.partial(_app, package, params, name) for name in params["apps"]}


PROBES: dict[str, Callable[..., Any]] = {}

TOUR_PARAMS = {"apps": {"main": (["http://localhost:3000"], True)}}
TOUR = [
    ("GET", "/health"),
    ("GET", "/documents/?limit=1"),
]
