"""A pure ASGI middleware that reports how long the app took, in milliseconds."""

import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Process-Time-Ms"


class ProcessTimeMiddleware:
    """Adds `X-Process-Time-Ms` to every HTTP response.

    The time runs until the response headers are sent: a streamed body is not counted.
    Pure ASGI rather than BaseHTTPMiddleware, which costs a task and a stream per request.
    """

    def __init__(self, app: ASGIApp, header: str = HEADER) -> None:
        self.app = app
        self.header = header

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Time the app's work on each HTTP request; other scopes pass straight through."""
        ### BEGIN SOLUTION 05
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def send_with_time(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed_ms = (time.perf_counter() - start) * 1000
                MutableHeaders(scope=message).append(self.header, f"{elapsed_ms:.2f}")
            await send(message)

        await self.app(scope, receive, send_with_time)
        ### END SOLUTION
