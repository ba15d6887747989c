"""How large a request body may be, counted as it streams in, before anything parses it.

FastAPI (0.165+) has this built in: `max_body_size` on the app, on `include_router` and on
a route. It counts the bytes as they arrive, refuses a declared `Content-Length` over the
limit before reading any, and answers 413. DocChat gives each router its limit from here.

One gap is filled here: when the declared length is already too large, Starlette answers
a plain-text "Content Too Large" of its own, whatever the app's handlers say. The
middleware below turns that into the JSON error every other 413 is, stating the limit.
"""

import json

from fastapi import FastAPI
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Every body but a document's: a question and its options. 64 KiB is thirty times the largest.
SMALL_BODY_BYTES = 64 * 1024
# Around a document: the title, field names, multipart boundaries and part headers.
ENVELOPE_BYTES = 64 * 1024
# JSON may spell every character as a \u escape: six bytes for each UTF-8 byte at most
# ("\u0001" for one byte; a 4-byte emoji is two escapes, 12 bytes). A document within
# max_upload_bytes therefore always fits, however its client wrote it.
JSON_ESCAPE_FACTOR = 6


def document_body_limit(max_upload_bytes: int) -> int:
    """The largest body that can carry a document of `max_upload_bytes` UTF-8 bytes."""
    return max_upload_bytes * JSON_ESCAPE_FACTOR + ENVELOPE_BYTES


def body_too_large(app: FastAPI, limit: object) -> str:
    """The 413's detail: the limit, and the document size behind it where there is one."""
    detail = f"the request body is over the limit of {limit} bytes for this endpoint"
    max_upload_bytes = app.state.settings.max_upload_bytes
    if limit == document_body_limit(max_upload_bytes):
        detail += (
            f", which leaves room for a document of {max_upload_bytes} bytes "
            "(DOCCHAT_MAX_UPLOAD_BYTES) even written as escaped JSON"
        )
    return detail


class DescribeBodyLimitMiddleware:
    """Replaces Starlette's plain-text 413 from the body limit with DocChat's JSON one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replaced = False

        async def send_described(message: Message) -> None:
            nonlocal replaced
            if replaced:
                return  # Starlette's plain-text body, already replaced
            limit = scope.get(MAX_BODY_SIZE_SCOPE_KEY)
            if message["type"] == "http.response.start" and _plain_413(message) and limit:
                replaced = True
                body = json.dumps({"detail": body_too_large(scope["app"], limit)}).encode()
                headers = [(b"content-type", b"application/json"),
                           (b"content-length", str(len(body)).encode())]  # fmt: skip
                await send({"type": "http.response.start", "status": 413, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, send_described)


def _plain_413(message: Message) -> bool:
    headers: dict[bytes, bytes] = dict(message.get("headers", []))
    content_type = headers.get(b"content-type", b"")
    return message["status"] == 413 and content_type.startswith(b"text/plain")
