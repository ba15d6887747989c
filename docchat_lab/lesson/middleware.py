"""What notebook 05 asks of an app: a browser's preflight, the CORS headers of an answer, and
the layers of middleware a request passes through."""

from typing import Any

from fastapi import FastAPI


def preflight(
    client: Any, origin: str, path: str = "/profile", headers: str = "authorization"
) -> Any:
    """The OPTIONS request a browser sends before a cross-origin call it may not make unasked."""
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": headers,
        },
    )


def cors_headers(response: Any) -> dict[str, str]:
    """The Access-Control-Allow-* headers of a response, by name."""
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-allow")}


def middleware_stack(app: FastAPI) -> list[str]:
    """The classes a request passes through, from the outside in, as the app builds them."""
    layer: Any = app.build_middleware_stack()
    names = []
    while layer is not app.router and hasattr(layer, "app"):
        names.append(type(layer).__name__)
        layer = layer.app
    return names
