"""Raw bodies over a real socket, the ones an HTTP client library will not send for you.

NaN and Infinity (Python's JSON reads them), lone surrogates, deep nesting, a 100 MB body,
a truncated multipart form and a Content-Length that lies. Each gets a 4xx with a JSON body
(or, when the request cannot even be framed, a 400 or a closed connection), never a 500,
and the server goes on answering.
"""

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from docchat.main import create_app
from tests.e2e.conftest import file_settings, served

GUARD_S = 30.0


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    folder: Path = tmp_path_factory.mktemp("raw")
    with served(create_app(file_settings(folder, max_upload_bytes=10_000)), "raw") as server:
        assert server.port is not None
        yield server.port


def _exchange(port: int, request: bytes, *, half_close: bool = False) -> tuple[int, bytes]:
    """Send `request` as is; the status and body of the reply, or (0, b"") if the server
    closed the connection without one."""
    with socket.create_connection(("127.0.0.1", port), timeout=GUARD_S) as sock:
        try:
            sock.sendall(request)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered (and closed) before all of it was sent
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
                if _complete(data):
                    break
        except ConnectionResetError:
            pass
    if not data:
        return 0, b""
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def _complete(data: bytes) -> bool:
    head, found, body = data.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def _post(path: str, body: bytes, content_type: str = "application/json", **headers: str) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: docchat",
        f"Content-Type: {content_type}",
        "Connection: close",
    ]
    if "content_length" not in headers:
        lines.append(f"Content-Length: {len(body)}")
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _alive(port: int) -> None:
    status, body = _exchange(port, b"GET /health HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
    assert (status, json.loads(body)) == (200, {"status": "ok"})


JSON_BODIES = {
    "nan": b'{"question": NaN}',
    "infinity": b'{"question": "kettle", "top_k": Infinity}',
    "minus-infinity": b'{"question": -Infinity}',
    "overflow": b'{"question": "kettle", "top_k": 1e999}',
    "huge-integer": b'{"question": "kettle", "top_k": ' + b"9" * 5000 + b"}",
    "surrogate": b'{"question": "\\ud800"}',
    "surrogate-key": b'{"question": "kettle", "\\udfff": true}',
    "deep-nesting": b'{"question": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    "invalid-utf8": b'{"question": "\xff\xfe kettle"}',
    "not-json": b"question=kettle",
    "empty": b"",
}


@pytest.mark.parametrize("raw", JSON_BODIES.values(), ids=JSON_BODIES.keys())
def test_hostile_json_gets_a_json_4xx(port: int, raw: bytes) -> None:
    status, body = _exchange(port, _post("/chat/ask", raw))

    assert 400 <= status < 500, (status, body[:200])
    assert "detail" in json.loads(body)
    _alive(port)


def test_a_100_mb_body_is_refused_before_it_is_read(port: int) -> None:
    head = _post("/documents/", b"", content_length="104857600")

    status, body = _exchange(port, head + b" " * 1_000_000)

    assert status == 413
    assert "over the limit of" in json.loads(body)["detail"]
    _alive(port)


def test_a_truncated_multipart_form_is_a_400(port: int) -> None:
    boundary = "cut"
    form = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        "Content-Type: text/plain\r\n\r\nKettles boil wat"
    ).encode()  # no closing boundary: the client went away, or lied

    status, body = _exchange(
        port, _post("/documents/upload", form, f"multipart/form-data; boundary={boundary}")
    )

    assert status == 400, body
    assert "detail" in json.loads(body)
    _alive(port)


def test_a_content_length_shorter_than_the_body_reads_only_what_it_says(port: int) -> None:
    body = b'{"question": "kettle"}'
    request = _post("/chat/ask", body, content_length="10") + body + b"GARBAGE\r\n\r\n"

    status, reply = _exchange(port, request)

    assert status == 422  # `{"question` is what was declared: malformed JSON
    assert json.loads(reply)["detail"][0]["type"] == "json_invalid"
    _alive(port)


def test_a_content_length_longer_than_the_body_is_not_a_500(port: int) -> None:
    body = b'{"question": "kettle"}'
    request = _post("/chat/ask", body, content_length=str(len(body) + 100)) + body

    status, reply = _exchange(port, request, half_close=True)

    assert status in (0, 400), reply  # the body never came: no answer, or a 400
    _alive(port)


@pytest.mark.parametrize("length", ["-1", "abc", "1e3", "99999999999999999999999"])
def test_a_content_length_that_is_not_a_length_is_a_4xx(port: int, length: str) -> None:
    status, _ = _exchange(port, _post("/chat/ask", b"{}", content_length=length))

    assert status in (0, 400, 413)
    _alive(port)
