"""Call an ASGI app directly on the running event loop: a request, or the lifespan start-up.

Like TestClient, a request returns only once the app is done, background tasks included; unlike
it, there is no thread hop per request, so a worker answers in a fraction of a millisecond, and
an `async def` that blocks really does block every other request, as under uvicorn.
"""

import asyncio
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

ASGIApp = Any


@dataclass
class DrivenResponse:
    status: int = 500
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)
    started: bool = False


class LifespanFailedError(Exception):
    pass


async def read_body(receive: Any) -> bytes:
    """The whole body of the request an ASGI app is serving."""
    body = bytearray()
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return bytes(body)


async def start_lifespan(app: ASGIApp, state: dict[str, Any]) -> None:
    """Run the app's start-up; raises what it raised, or LifespanFailedError with its message."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    outcome: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

    async def send(message: dict[str, Any]) -> None:
        if message["type"].startswith("lifespan.startup") and not outcome.done():
            outcome.set_result(message)

    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": state}
    task = asyncio.ensure_future(app(scope, inbox.get, send))
    await asyncio.wait({task, outcome}, return_when=asyncio.FIRST_COMPLETED)
    if outcome.done():
        if outcome.result()["type"] == "lifespan.startup.failed":
            raise LifespanFailedError(outcome.result().get("message", "start-up failed"))
        return  # the task lives on, waiting for a shutdown that a killed worker never sends
    exc = task.exception()
    if exc is not None:
        raise exc


async def request(
    app: ASGIApp,
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
    state: dict[str, Any],
) -> tuple[DrivenResponse, BaseException | None]:
    """One HTTP request; the response, and the exception that escaped the app, if any."""
    path, _, query = target.partition("?")
    raw_headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    if not any(k == b"host" for k, _ in raw_headers):
        raw_headers.insert(0, (b"host", b"testserver"))
    if body and not any(k == b"content-length" for k, _ in raw_headers):
        raw_headers.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method.upper(),
        "scheme": "http",
        "path": unquote(path),
        "raw_path": path.encode("latin-1", "replace"),
        "query_string": query.encode("latin-1", "replace"),
        "root_path": "",
        "headers": raw_headers,
        "client": ("testclient", 50000),
        "server": ("testserver", 80),
        "state": dict(state),
    }
    response = DrivenResponse()
    finished = asyncio.Event()
    sent_body = False

    async def receive() -> dict[str, Any]:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            response.started = True
            response.status = int(message["status"])
            response.headers = [
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", [])
            ]
        elif message["type"] == "http.response.body":
            response.body.extend(message.get("body", b""))
            if not message.get("more_body", False):
                finished.set()

    error: BaseException | None = None
    try:
        await app(scope, receive, send)
    except Exception as exc:
        error = exc
        if not response.started:
            response.status = 500
    finally:
        finished.set()
    return response, error
