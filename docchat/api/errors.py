"""Every error the API answers, as JSON a client can read: never a 500 for bad input.

- 422: FastAPI's own handler echoes each error's `input`, and its JSON renderer fails on
  NaN, Infinity and lone surrogates (a 500 with no CORS headers). Ours renders any input
  safely and briefly: a 5 MB question does not come back as a 5 MB error.
- 413 from the body limit states the limit; 405 lists every method the path allows.
- A database that is only busy is a 429 with Retry-After (try again shortly); one that is
  down or gone is a 503, also with Retry-After. Never a 503 for a lock.
"""

import math
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException
from starlette.middleware import body_limit
from starlette.routing import Match

from docchat.api.body_limits import body_too_large
from docchat.core.busy import RETRY_AFTER_S, is_busy
from docchat.core.db import unavailable_reason
from docchat.services.llm import LLMError

_TEXT = 100  # characters of an echoed string
_ITEMS = 10  # items of an echoed list or object
_DEPTH = 4
_ERRORS = 20  # errors listed in one 422
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_BODY_TOO_LARGE = getattr(body_limit, "_RequestBodyTooLarge", ())


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(PoolTimeoutError, _database_error)
    app.add_exception_handler(LLMError, _llm_error)


def echo(value: Any, depth: int = 0) -> Any:
    """`value` as JSON can carry it: finite numbers, valid text, bounded in size."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**63 else _text(str(value))
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, bytes | bytearray):
        return _text(bytes(value[: _TEXT * 4]).decode("utf-8", "backslashreplace"))
    if depth >= _DEPTH:
        return "..."
    if isinstance(value, Mapping):
        items = list(value.items())
        shown = {_text(str(key)): echo(item, depth + 1) for key, item in items[:_ITEMS]}
        if len(items) > _ITEMS:
            shown["..."] = f"{len(items) - _ITEMS} more"
        return shown
    if isinstance(value, Sequence | set | frozenset):
        listed = list(value)
        shown_items = [echo(item, depth + 1) for item in listed[:_ITEMS]]
        if len(listed) > _ITEMS:
            shown_items.append(f"... {len(listed) - _ITEMS} more")
        return shown_items
    return _text(str(value))


def _text(text: str) -> str:
    """At most _TEXT characters; a lone surrogate is written as its escape, `\\ud800`."""
    cut = text[:_TEXT].encode("utf-8", "backslashreplace").decode("utf-8")
    return cut if len(text) <= _TEXT else f"{cut}... ({len(text)} characters)"


async def _validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    detail = [_one_error(error) for error in errors[:_ERRORS]]
    if len(errors) > _ERRORS:
        detail.append({"type": "too_many_errors", "loc": [], "msg": f"{len(errors)} errors"})
    return JSONResponse({"detail": detail}, status_code=422)


def _one_error(error: Mapping[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "type": _text(str(error.get("type", ""))),
        "loc": [part if isinstance(part, int) else _text(str(part)) for part in error["loc"]],
        "msg": _text(str(error.get("msg", ""))),
        "input": echo(error.get("input")),
    }
    if error.get("ctx"):
        shown["ctx"] = echo(error["ctx"])
    return shown


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if _BODY_TOO_LARGE and isinstance(exc, _BODY_TOO_LARGE):
        limit = request.scope.get(body_limit.MAX_BODY_SIZE_SCOPE_KEY)
        return JSONResponse({"detail": body_too_large(request.app, limit)}, status_code=413)
    if exc.status_code == 405:
        # Starlette lists the methods of the first route on the path only.
        allowed = ", ".join(_allowed_methods(request))
        exc = HTTPException(405, exc.detail, headers={"Allow": allowed})
    return await http_exception_handler(request, exc)


def _allowed_methods(request: Request) -> list[str]:
    routes = request.app.router.routes

    def allows(method: str) -> bool:
        scope = {**request.scope, "method": method}
        return any(route.matches(scope)[0] == Match.FULL for route in routes)

    return [method for method in _METHODS if allows(method)]


async def _database_error(_request: Request, exc: Exception) -> Response:
    retry_after = {"Retry-After": str(RETRY_AFTER_S)}
    if is_busy(exc):
        detail = f"the database is busy; try again in {RETRY_AFTER_S} s"
        return JSONResponse({"detail": detail}, status_code=429, headers=retry_after)
    detail = f"database unavailable ({unavailable_reason(exc)})"
    return JSONResponse({"detail": detail}, status_code=503, headers=retry_after)


async def _llm_error(_request: Request, exc: Exception) -> Response:
    status_code = exc.status_code if isinstance(exc, LLMError) else 502
    return JSONResponse({"detail": str(exc)}, status_code=status_code)
