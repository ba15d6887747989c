"""When things happen during one request: a list of events that the demo's own code appends
to, and an ASGI wrapper that adds when the response starts and when its last byte goes out."""

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.testclient import TestClient

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class ResponseRecorder:
    """Wraps an ASGI app and notes in `events` when each response starts and is sent."""

    def __init__(self, app: Any, events: list[str]) -> None:
        self.app = app
        self.events = events

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        async def noting_send(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.start":
                self.events.append(f"response {message['status']} starts")
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                self.events.append("response sent")

        await self.app(scope, receive, noting_send)


def timeline(app: Any, events: list[str], method: str, path: str) -> list[str]:
    """Send one request to `app` and return the events it produced, in order."""
    events.clear()
    with TestClient(ResponseRecorder(app, events), raise_server_exceptions=False) as client:
        client.request(method, path)
    return list(events)
