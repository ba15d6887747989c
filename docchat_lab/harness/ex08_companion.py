"""Exercise 8's companion process: serves every labelled copy of the app over a socket.

Trusted code only, in a process of its own (its own uid under root isolation): the learner's
tests reach it through HTTP answers alone, and never learn which label is the correct app.
"""

import asyncio
import base64
import socket
from pathlib import Path
from typing import Any

from docchat_lab.grading import asgi_driver
from docchat_lab.grading.protocol import ProtocolError, recv_frame_async, send_frame_async
from docchat_lab.harness import ex08_app


def serve_companion(sock: socket.socket, params: dict[str, Any]) -> None:
    """The companion process: serve each label's copy of the app over the socket."""
    variants: dict[str, str] = params["variants"]
    copies: dict[str, ex08_app.Copy] = {}

    def copy_for(label: str) -> ex08_app.Copy:
        if label not in copies:
            copies[label] = ex08_app.Copy(variants[label], Path.cwd() / f"{label}.sqlite")
        return copies[label]

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        sock.setblocking(False)
        while True:
            try:
                message = await recv_frame_async(loop, sock)
            except (ProtocolError, OSError, ValueError):
                return
            label = str(message.get("variant"))
            if label not in variants:
                await send_frame_async(loop, sock, {"status": 400, "headers": [], "body": ""})
                continue
            copy = copy_for(label)
            if message.get("op") == "reset":
                copy.reset()
                await send_frame_async(loop, sock, {"ok": True})
                continue
            headers = [(str(k), str(v)) for k, v in message.get("headers", [])]
            response, _error = await asgi_driver.request(
                ex08_app.app_for(copy.variant),
                message["method"],
                message["target"],
                headers,
                base64.b64decode(message.get("body") or ""),
                {"copy": copy},
            )
            await send_frame_async(
                loop,
                sock,
                {
                    "status": response.status,
                    "headers": [[k, v] for k, v in response.headers],
                    "body": base64.b64encode(bytes(response.body)).decode(),
                },
            )

    asyncio.run(serve())
