"""Hosts exercise 5: small apps configured with the learner's add_cors and add_timing."""

import asyncio
from collections.abc import Callable
from types import ModuleType
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from docchat_lab.harness.support import warm_fastapi

REQUIRED = ("add_cors", "add_timing")
DATA = {"documents": ["handbook.md", "faq.md"], "count": 2}


def warm_up() -> None:
    warm_fastapi()


def _routes() -> FastAPI:
    app = FastAPI()

    @app.get("/data")
    def data() -> dict[str, Any]:
        return DATA

    @app.post("/data")
    def store(item: dict[str, Any]) -> dict[str, Any]:
        return item

    @app.get("/slow")
    async def slow(ms: int) -> dict[str, int]:
        await asyncio.sleep(ms / 1000)
        return {"slept_ms": ms}

    return app


def _cors(module: ModuleType, params: dict[str, Any]) -> FastAPI:
    app = _routes()
    module.add_cors(app, list(params["origins"]))
    return app


def _without_credentials(module: ModuleType, origins: list[str]) -> FastAPI:
    app = _routes()
    module.add_cors(app, origins, allow_credentials=False)
    return app


def _timing(module: ModuleType, params: dict[str, Any]) -> FastAPI:
    # The harness's own CORS first, so the learner's timing middleware is the outer one and
    # this app does not depend on add_cors being written.
    app = _routes()
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(params["origins"]),
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    module.add_timing(app)
    return app


def apps(module: ModuleType, params: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    return {
        "cors": lambda: _cors(module, params),
        "timing": lambda: _timing(module, params),
        "no_credentials": lambda: _without_credentials(module, list(params["origins"])),
        "public": lambda: _without_credentials(module, ["*"]),
    }


def configure(
    module: ModuleType, params: dict[str, Any], origins: Any = None, allow_credentials: bool = True
) -> dict[str, Any]:
    """Call add_cors on a fresh app; report whether it raised, and what."""
    app = FastAPI()
    try:
        module.add_cors(app, origins, allow_credentials=allow_credentials)
    except NotImplementedError:
        raise
    except Exception as exc:  # reported to the judge, who decides
        return {
            "raised": type(exc).__name__[:100],
            "value_error": isinstance(exc, ValueError),
            "type_error": isinstance(exc, TypeError),
            "message": str(exc)[:300],
        }
    return {"raised": None}


PROBES: dict[str, Callable[..., Any]] = {"configure": configure}
