"""Hosts exercise 1: routes that use the learner's pagination and API-key dependencies."""

from collections.abc import Callable
from types import ModuleType
from typing import Annotated, Any

from fastapi import Depends, FastAPI

from docchat_lab.harness.support import depends_target, field, warm_fastapi

REQUIRED = ("Page", "get_api_keys", "pagination", "require_api_key", "PageDep", "ApiKeyDep")


def warm_up() -> None:
    warm_fastapi()


def _with_keys(app: FastAPI, module: ModuleType, params: dict[str, Any]) -> FastAPI:
    keys = frozenset(params["keys"])
    app.dependency_overrides[module.get_api_keys] = lambda: keys
    return app


def _main(module: ModuleType, params: dict[str, Any]) -> FastAPI:
    app = FastAPI()
    page_dep = Annotated[Any, Depends(module.pagination)]
    key_dep = Annotated[Any, Depends(module.require_api_key)]

    @app.get("/page")
    def page(page: page_dep) -> dict[str, Any]:
        return {"skip": field(page, "skip"), "limit": field(page, "limit")}

    @app.get("/key")
    def key(key: key_dep) -> dict[str, Any]:
        return {"key": key}

    return _with_keys(app, module, params)


def _aliases(module: ModuleType, params: dict[str, Any]) -> FastAPI:
    for name, target in (("PageDep", module.pagination), ("ApiKeyDep", module.require_api_key)):
        points_at = depends_target(getattr(module, name))
        if points_at is None:
            raise NotImplementedError(f"{name} is not an Annotated[..., Depends(...)] alias yet")
        if points_at is not target:
            raise TypeError(
                f"{name} depends on {getattr(points_at, '__name__', points_at)}, "
                f"not {target.__name__}"
            )
    app = FastAPI()

    @app.get("/documents")
    # The learner's own aliases, exactly as a route would use them.
    def documents(page: module.PageDep, key: module.ApiKeyDep) -> dict[str, Any]:  # type: ignore[name-defined]
        return {"skip": field(page, "skip"), "limit": field(page, "limit"), "key": key}

    return _with_keys(app, module, params)


def apps(module: ModuleType, params: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    return {"main": lambda: _main(module, params), "aliases": lambda: _aliases(module, params)}


PROBES: dict[str, Callable[..., Any]] = {}
