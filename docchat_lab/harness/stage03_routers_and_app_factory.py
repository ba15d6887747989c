"""Hosts stage 03: the learner's documents router, served by the learner's own create_app.

Two apps from their factory, each on its own SQLite file: "main" starts empty; "listing" is
seeded with the judge's documents. The background processing the routes queue is replaced by
a recorder (processing is stage 06): the judge asks what was queued, and with what.
"""

from collections.abc import Callable
from functools import partial
from types import ModuleType
from typing import Any

from fastapi import FastAPI

from docchat_lab.harness.stage_support import PACKAGE, data_dir, learner, seed_documents
from docchat_lab.harness.support import warm_fastapi

MODULES = ("models", "core.config", "core.db", "api.deps", "api.routes.documents", "main")
REQUIRED = (
    "main:create_app",
    "api.routes.documents:router",
    "api.routes.documents:create_document",
    "api.routes.documents:list_documents",
    "api.routes.documents:read_document",
    "api.routes.documents:delete_document",
)
__all__ = ["PACKAGE", "apps", "warm_up"]

# The apps built so far, and what their routes queued: the document id, the app whose session
# factory came with it (None: not an app's factory), and whether the settings were that app's.
_built: dict[str, FastAPI] = {}
_queued: list[dict[str, Any]] = []


def warm_up() -> None:
    warm_fastapi()


def _record(document_id: Any, sessions: Any, settings: Any, *rest: Any) -> None:
    """Stands in for process_document (stage 06): notes what a route queued."""
    owner = next((n for n, app in _built.items() if sessions is app.state.sessions), None)
    _queued.append(
        {
            "document_id": document_id
            if isinstance(document_id, int)
            else f"a {type(document_id).__name__}",
            "app": owner,
            "sessions_type": type(sessions).__name__,
            "settings_are_the_apps": owner is not None and settings is _built[owner].state.settings,
        }
    )


def _app(package: ModuleType, params: dict[str, Any], name: str) -> FastAPI:
    config, main = learner(package, "core.config"), learner(package, "main")
    settings = config.Settings(
        database_url=f"sqlite:///{data_dir(params) / name}.db",
        max_upload_bytes=params["max_upload_bytes"],
    )
    app = main.create_app(settings)
    if not isinstance(app, FastAPI):
        raise TypeError(f"create_app() returned {type(app).__name__}, not a FastAPI app")
    _built[name] = app
    for module in ("api.routes.documents", "services.processing"):
        setattr(learner(package, module), "process_document", _record)  # noqa: B010
    if name == "listing":
        learner(package, "core.db").init_db(app.state.engine)  # the lifespan does it again: no-op
        seed_documents(package, app.state.sessions, params["documents"])
    return app


def apps(package: ModuleType, params: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    return {name: partial(_app, package, params, name) for name in ("main", "listing")}


def queued(package: ModuleType, params: dict[str, Any]) -> list[dict[str, Any]]:
    """What the routes queued for processing, in order."""
    return list(_queued)


PROBES: dict[str, Callable[..., Any]] = {"queued": queued}

# What `try_yours(3)` shows: a document in, the list, one read, a delete and the 404 after it.
TOUR_PARAMS = {
    "max_upload_bytes": 1000,
    "documents": [{"title": "Kettle manual", "content": "Descale it monthly."}],
}
TOUR_APP = "listing"
TOUR = [
    ("POST", "/documents/", {"title": "Teapot notes", "content": "Warm the pot first."}),
    ("GET", "/documents/?limit=5"),
    ("GET", "/documents/1"),
    ("DELETE", "/documents/1"),
    ("GET", "/documents/1"),
]
