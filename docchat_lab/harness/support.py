"""Small helpers shared by the harness modules."""

import typing
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI


def warm_fastapi() -> None:
    """Build and call a throwaway app once, so forked workers start with warm caches."""
    from starlette.testclient import TestClient

    app = FastAPI()

    @app.get("/items/{item_id}")
    def read(item_id: int, q: str | None = None) -> dict[str, Any]:
        return {"item_id": item_id, "q": q}

    with TestClient(app) as client:
        client.get("/items/1?q=x")


def depends_target(alias: Any) -> Callable[..., Any] | None:
    """The dependency an `Annotated[T, Depends(f)]` alias points at, or None if it is not one."""
    if typing.get_origin(alias) is not typing.Annotated:
        return None
    for extra in getattr(alias, "__metadata__", ()):
        dependency = getattr(extra, "dependency", None)
        if dependency is not None:
            return typing.cast(Callable[..., Any], dependency)
    return None


def field(value: Any, name: str) -> Any:
    """`value.name`, or `value[name]` for a dict: accept either shape of a small record."""
    if isinstance(value, dict):
        return value[name]
    return getattr(value, name)
