"""A served-app process: kit code serving an app to learners' test processes, one each.

The judge starts it with one socket per test process, then tells it, over its own socket, which
app module to serve and which variant on each connection. A test process reaches its variant
only as an HTTP client (requests and answers as frames over its socket) and cannot tell which
variant it is. The app module records what a variant saw (requests served, and whether a
request reached the behaviour that makes it differ from the reference): the judge's evidence,
gathered where the learner's code cannot touch it.

An app module defines `serve(variant, folder) -> Served`, where Served has `app` (ASGI),
`reset()` (a fresh app: empty database, full pool) and `evidence() -> dict`. A Served may also
answer ops of its own (`control(message) -> dict`): any op other than "reset" and "http".
"""

import asyncio
import base64
import importlib
import socket
import time
from pathlib import Path
from typing import Any, Protocol

from docchat_lab.grading import asgi_driver
from docchat_lab.grading.protocol import (
    ProtocolError,
    recv_frame,
    recv_frame_async,
    send_frame,
    send_frame_async,
)

MAX_BODY = 4 * 1024 * 1024


class Served(Protocol):
    app: Any

    def reset(self) -> None: ...

    def evidence(self) -> dict[str, Any]: ...


async def answer(app: Any, message: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    """An HTTP request frame from a test process, served by ASGI `app`: the answer's frame."""
    try:
        headers = [(str(k), str(v)) for k, v in message.get("headers") or []]
        body = base64.b64decode(message.get("body") or "")
        target = str(message.get("target") or "/")
        response, _error = await asgi_driver.request(
            app, str(message.get("method") or "GET"), target, headers, body, state
        )
    except (ValueError, TypeError, UnicodeError) as exc:
        return {"status": 400, "headers": [], "body": base64.b64encode(str(exc).encode()).decode()}
    content = bytes(response.body)[:MAX_BODY]
    return {
        "status": response.status,
        "headers": [[k, v] for k, v in response.headers],
        "body": base64.b64encode(content).decode(),
    }


async def _serve_client(sock: socket.socket, served: Served) -> None:
    loop = asyncio.get_running_loop()
    sock.setblocking(False)
    while True:
        try:
            message = await recv_frame_async(loop, sock)
        except (ProtocolError, OSError, ValueError):
            return  # the test process is done (or gone): this connection's evidence stays
        op = message.get("op")
        if op == "reset":
            served.reset()
            reply: dict[str, Any] = {"ok": True}
        elif op in (None, "http"):
            reply = await answer(served.app, message, {})
        elif hasattr(served, "control"):
            reply = await served.control(message)
        else:
            reply = {"error": "no such op"}
        try:
            await send_frame_async(loop, sock, reply)
        except OSError:
            return


async def _serve(judge: socket.socket, clients: list[socket.socket], served: list[Served]) -> None:
    tasks = [
        asyncio.ensure_future(_serve_client(c, s)) for c, s in zip(clients, served, strict=True)
    ]
    loop = asyncio.get_running_loop()
    judge.setblocking(False)
    while True:
        try:
            message = await recv_frame_async(loop, judge)
        except (ProtocolError, OSError, ValueError):
            for task in tasks:
                task.cancel()
            return
        if message.get("op") == "report":
            evidence = [s.evidence() for s in served]
            await send_frame_async(loop, judge, {"op": "evidence", "evidence": evidence})


def run(fds: list[int], args: dict[str, Any]) -> None:
    """The app process: fds[0] talks to the judge, fds[1:] to test processes, in order."""
    judge = socket.socket(fileno=fds[0])
    clients = [socket.socket(fileno=fd) for fd in fds[1:]]
    config = recv_frame(judge, time.monotonic() + 60)
    module = importlib.import_module(str(config["app"]))
    variants = [str(v) for v in config["variants"]]
    if len(variants) != len(clients):
        raise ProtocolError("one variant per connection")
    served = [module.serve(v, Path.cwd() / f"app-{i}") for i, v in enumerate(variants)]
    send_frame(judge, {"op": "ready"})
    asyncio.run(_serve(judge, clients, served))
