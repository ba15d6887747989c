"""Fake OpenAI-compatible servers: an ASGI app to plug in as a transport, and a slow real one."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

API_KEY = "sk-test-very-secret-key-0123456789"


@dataclass
class FakeOpenAI:
    """Answers POST /v1/chat/completions as told by `reply`; remembers every request."""

    reply: str = "ok"
    answer: str = "Kettles boil water [1]."
    requests: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/chat/completions", self._complete, methods=["POST"])])

    async def _complete(self, request: Request) -> Response:
        self.requests.append(
            {
                "path": request.url.path,
                "authorization": request.headers.get("authorization"),
                "json": await request.json(),
            }
        )
        if self.reply == "ok":
            message = {"role": "assistant", "content": f"  {self.answer}\n"}
            return JSONResponse({"choices": [{"index": 0, "message": message}]})
        if self.reply == "server-error":
            return JSONResponse({"error": {"message": "overloaded"}}, status_code=500)
        if self.reply == "unauthorized-echo":
            # A careless upstream that echoes the credentials it got.
            echoed = {"error": f"bad key {request.headers.get('authorization')}"}
            return JSONResponse(echoed, status_code=401)
        if self.reply == "not-json":
            return PlainTextResponse("<html>gateway</html>")
        if self.reply == "no-choices":
            return JSONResponse({"choices": []})
        if self.reply == "empty-answer":
            return JSONResponse({"choices": [{"message": {"content": "   "}}]})
        raise AssertionError(f"unknown reply mode {self.reply!r}")


class _SilentHandler(BaseHTTPRequestHandler):
    """Reads the request, then waits until the test is over: the client must time out."""

    release: threading.Event

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.release.wait(timeout=10)

    def log_message(self, format: str, *args: object) -> None:
        return None


@contextmanager
def silent_server() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 that never answers; yields its base URL."""
    release = threading.Event()
    handler = type("Handler", (_SilentHandler,), {"release": release})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
