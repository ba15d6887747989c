"""Exercise 7's /config check finds a secret however the answer carries it: raw, JSON-escaped
(`\\u0073k-...` reads back as the key), or in a header."""

import base64
import json

import pytest

from docchat_lab.checks.ex07_settings import _reveals
from docchat_lab.grading.subject import Response

KEY = "sk-0123456789abcdef"


def _response(body: bytes, headers: list[list[str]] | None = None) -> Response:
    reply = {"status": 200, "headers": headers or [], "body": base64.b64encode(body).decode()}
    return Response("GET /config", reply)


def _escaped(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in text)


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (json.dumps({"api_key": KEY}).encode(), None),
        (('{"has_api_key": true, "hint": "' + _escaped(KEY) + '"}').encode(), None),
        (b'{"has_api_key": true}', [["x-debug-key", KEY]]),
    ],
    ids=["raw", "json-escaped", "header"],
)
def test_a_secret_is_found_wherever_the_answer_carries_it(
    body: bytes, headers: list[list[str]] | None
) -> None:
    response = _response(body, headers)
    assert _reveals(response, response.json(), KEY)


def test_an_answer_without_the_secret_reveals_nothing() -> None:
    response = _response(b'{"has_api_key": true, "database_url": "postgresql://app:***@db/x"}')
    assert not _reveals(response, response.json(), KEY)
