"""A real HTTP client's side of a demo: what it was told, and what the server logged after."""

import threading
import time
from typing import Any

import httpx2

from docchat_lab.serving import InlineServer


def post_then_confirm(
    url: str, client_has_response: threading.Event, teardown_finished: threading.Event
) -> tuple[int, Any]:
    """POST as a real client; once the answer is in hand, say so, and wait for the teardown."""
    client_has_response.clear()
    teardown_finished.clear()
    response = httpx2.post(url, timeout=10)
    client_has_response.set()
    if not teardown_finished.wait(10):
        raise TimeoutError("the dependency's teardown never finished")
    return response.status_code, response.json()


def logged_lines(server: InlineServer, count: int, deadline_s: float = 10.0) -> list[str]:
    """The server's log once it holds `count` lines (or the deadline passed), stripped."""
    deadline = time.monotonic() + deadline_s
    while len(server.log_messages()) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return [message.strip() for message in server.log_messages()]
