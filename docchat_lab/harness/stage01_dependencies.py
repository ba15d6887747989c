"""Hosts stage 01: the learner's `pagination` and `get_document` on an app of ours.

The app's two routes do nothing but show what the dependencies handed over. The database is
ours (get_db is stage 02's), seeded with the judge's documents.
"""

from collections.abc import Callable
from types import ModuleType
from typing import Any

from fastapi import FastAPI

from docchat_lab.harness.stage_support import (
    PACKAGE,
    app_closing,
    learner,
    run_database,
    seed_documents,
    sessions_for_checks,
)
from docchat_lab.harness.support import warm_fastapi

MODULES = ("models", "core.db", "api.deps")
REQUIRED = (
    "api.deps:pagination",
    "api.deps:PageDep",
    "api.deps:get_document",
    "api.deps:DocumentDep",
    "api.deps:get_db",
)
__all__ = ["PACKAGE", "apps", "warm_up"]


def warm_up() -> None:
    warm_fastapi()


def _app(package: ModuleType, params: dict[str, Any]) -> FastAPI:
    deps = learner(package, "api.deps")
    engine, sessions = run_database(package, params, "stage01")
    seed_documents(package, sessions, params["documents"])
    app = app_closing(engine)

    @app.get("/page")
    def page(page: deps.PageDep) -> dict[str, Any]:  # type: ignore[name-defined]
        return {"skip": page.skip, "limit": page.limit}

    @app.get("/documents/{document_id}")
    def document(document: deps.DocumentDep) -> dict[str, Any]:  # type: ignore[name-defined]
        return {"id": document.id, "title": document.title}

    app.dependency_overrides[deps.get_db] = sessions_for_checks(sessions)
    return app


def apps(package: ModuleType, params: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    return {"main": lambda: _app(package, params)}


PROBES: dict[str, Callable[..., Any]] = {}

# What `try_yours(1)` shows the learner in the notebook: their dependencies at work.
TOUR_PARAMS = {"documents": [{"title": "Kettle manual", "content": "Descale it monthly."}]}
TOUR = [
    ("GET", "/page"),
    ("GET", "/page?skip=40&limit=10"),
    ("GET", "/page?skip=-1"),
    ("GET", "/documents/1"),
    ("GET", "/documents/42"),
]
