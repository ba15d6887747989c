"""Hosts stage 03: the learner's documents router, served by the learner's own create_app.

Two apps from their factory, each on its own SQLite file: "main" starts empty; "listing" is
seeded with the judge's documents. Each app's processor (app.state.processor, what the routes
hand a new document to) is replaced by a recorder, and so is process_document (processing is
stage 06): the judge asks what was handed over, to whom, and how.
"""

import asyncio
from collections.abc import Callable
from functools import partial
from types import ModuleType
from typing import Any

from fastapi import FastAPI

from docchat_lab.harness.stage_support import PACKAGE, data_dir, learner, seed_documents
from docchat_lab.harness.support import warm_fastapi

MODULES = (
    "models",
    "core.config",
    "core.db",
    "api.deps",
    "api.routes.documents",
    "queue.processing",
    "main",
)
REQUIRED = (
    "main:create_app",
    "api.routes.documents:router",
    "api.routes.documents:create_document",
    "api.routes.documents:list_documents",
    "api.routes.documents:read_document",
    "api.routes.documents:delete_document",
)
__all__ = ["PACKAGE", "apps", "warm_up"]

# What the routes handed over for processing: the arguments, who received them (an app's
# processor, or process_document called directly), and whether it ran inside the request.
_queued: list[dict[str, Any]] = []


def warm_up() -> None:
    warm_fastapi()


def _shown(value: Any) -> Any:
    return value if isinstance(value, int) and not isinstance(value, bool) else repr(value)[:60]


def _inline() -> bool:
    """True on the event loop (called in the route); a queued sync task runs on a thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _recorder(receiver: str | None) -> Callable[..., None]:
    def record(*args: Any, **kwargs: Any) -> None:
        _queued.append(
            {
                "to": receiver or "process_document",
                "args": [_shown(a) for a in args],
                "kwargs": sorted(kwargs),
                "inline": _inline(),
            }
        )

    return record


def _app(package: ModuleType, params: dict[str, Any], name: str) -> FastAPI:
    config, main = learner(package, "core.config"), learner(package, "main")
    settings = config.Settings(
        database_url=f"sqlite:///{data_dir(params) / name}.db",
        max_upload_bytes=params["max_upload_bytes"],
    )
    app = main.create_app(settings)
    if not isinstance(app, FastAPI):
        raise TypeError(f"create_app() returned {type(app).__name__}, not a FastAPI app")
    app.state.processor = _recorder(name)
    for module in ("api.routes.documents", "services.processing", "queue.processing"):
        if hasattr(learner(package, module), "process_document"):
            setattr(learner(package, module), "process_document", _recorder(None))  # noqa: B010
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
