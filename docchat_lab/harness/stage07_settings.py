"""Hosts stage 07: the learner's Settings, built in an environment the judge chose.

Each probe builds `Settings()` with exactly the judge's DOCCHAT_ variables and, if given, a
`.env` in a scratch folder of the worker's own (see settings_environment), and reports the
values, or the validation error as a user would read it.
"""

from collections.abc import Callable
from types import ModuleType
from typing import Any

from fastapi import FastAPI
from pydantic import ValidationError

from docchat_lab.harness.settings_environment import (
    environment,
    plain,
    validation_error,
    warm_settings,
)
from docchat_lab.harness.stage_support import PACKAGE, data_dir, learner
from docchat_lab.harness.support import warm_fastapi

MODULES = ("core.config",)
REQUIRED = ("core.config:Settings",)
FIELDS = ("database_url", "cors_allow_credentials", "cors_origins", "chunk_size", "chunk_overlap")
__all__ = ["PACKAGE", "apps", "warm_up"]


def warm_up() -> None:
    warm_fastapi()
    warm_settings()


def settings(
    package: ModuleType, params: dict[str, Any], env: dict[str, str], dotenv: str | None = None
) -> dict[str, Any]:
    """Settings() built with this environment (and .env): its values, or the validation error."""
    config = learner(package, "core.config")
    with environment(env, dotenv):
        try:
            built = config.Settings()
        except ValidationError as exc:
            return {"error": validation_error(exc)}
    return {"values": {name: plain(getattr(built, name, None)) for name in FIELDS}}


PROBES: dict[str, Callable[..., Any]] = {"settings": settings}


def _app(package: ModuleType, params: dict[str, Any]) -> FastAPI:
    config, main = learner(package, "core.config"), learner(package, "main")
    with environment(params["env"]):
        chosen = config.Settings(database_url=f"sqlite:///{data_dir(params) / 'stage07'}.db")
    app: FastAPI = main.create_app(chosen)

    @app.get("/_settings", include_in_schema=False)
    def shown() -> dict[str, Any]:
        return {name: plain(getattr(chosen, name)) for name in FIELDS[1:]}

    return app


def apps(package: ModuleType, params: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    # Only `try_yours(7)` serves an app; the checks build Settings through the probe.
    return {"main": lambda: _app(package, params)}


# What `try_yours(7)` shows: your Settings, read from an environment like a shell's.
TOUR_PARAMS = {
    "env": {
        "DOCCHAT_CHUNK_SIZE": "500",
        "DOCCHAT_CHUNK_OVERLAP": "50",
        "DOCCHAT_CORS_ORIGINS": "http://localhost:3000, https://docs.example.com",
        "CHUNK_SIZE": "7",
    }
}
TOUR = [("GET", "/_settings"), ("GET", "/health")]
