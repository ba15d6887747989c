"""Hosts exercise 3: the learner's documents router on an app of ours, and apps from create_app.

- "router": a bare FastAPI app with a new DocumentStore on `app.state.store` and the router from
  `build_documents_router()`, so the router is checked even before `create_app` is written;
- "main" and "second": two calls of `create_app()`, to see that they share nothing;
- "given": `create_app(store)` with a store we filled with the run's document.
"""

from collections.abc import Callable
from types import ModuleType
from typing import Any

from fastapi import APIRouter, FastAPI

from docchat_lab.harness.support import warm_fastapi

REQUIRED = (
    "DocumentIn",
    "DocumentOut",
    "DocumentStore",
    "get_store",
    "StoreDep",
    "build_documents_router",
    "create_app",
)


def warm_up() -> None:
    warm_fastapi()


def _router_app(module: ModuleType) -> FastAPI:
    router = module.build_documents_router()
    if not isinstance(router, APIRouter):
        shown = type(router).__name__
        raise TypeError(f"build_documents_router() returned {shown}, not an APIRouter")
    app = FastAPI()
    app.state.store = module.DocumentStore()
    app.include_router(router)
    return app


def _factory_app(module: ModuleType, *args: Any) -> FastAPI:
    app = module.create_app(*args)
    if not isinstance(app, FastAPI):
        raise TypeError(f"create_app() returned {type(app).__name__}, not a FastAPI app")
    return app


def _given_store(module: ModuleType, params: dict[str, Any]) -> FastAPI:
    store = module.DocumentStore()
    store.add(module.DocumentIn(**params["given"]))
    return _factory_app(module, store)


def apps(module: ModuleType, params: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    return {
        "router": lambda: _router_app(module),
        "main": lambda: _factory_app(module),
        "second": lambda: _factory_app(module),
        "given": lambda: _given_store(module, params),
    }


PROBES: dict[str, Callable[..., Any]] = {}
