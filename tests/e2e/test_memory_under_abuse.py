"""Memory under abuse: a real `docchat serve` refuses huge bodies without reading them.

Main's code parsed a 400 MB JSON body in full before its 413 (a peak of 1.4 GB) and
spooled a 1 GB upload whole. Here the body is counted as it arrives: a declared length over
the limit is refused before any of it is read, an undeclared (chunked) one as soon as it
passes the limit. The server's peak RSS stays within 100 MB of its idle RSS, measured on
Linux through /proc (VmHWM, reset first).
"""

import select
import socket
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.e2e.docchat_server import DocchatServer, docchat_serve

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
]

MB = 1 << 20
BUDGET_KB = 100 * 1024
CHUNK = b" " * MB


def _send_until_refused(server: DocchatServer, head: bytes, total: int, chunked: bool) -> int:
    """Send `head`, then up to `total` bytes of body; stop when the server answers.
    Returns the status of the answer."""
    port = int(server.url.rsplit(":", 1)[1])
    piece = b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK) if chunked else CHUNK
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(head)
        reply, sent, pending = b"", 0, b""
        try:
            while b"\r\n\r\n" not in reply:
                if not pending and sent < total:
                    pending, sent = piece, sent + len(CHUNK)
                readable, writable, _ = select.select([sock], [sock] if pending else [], [], 30)
                if readable:
                    data = sock.recv(65536)
                    if not data:
                        break
                    reply += data
                if writable and pending:
                    pending = pending[sock.send(pending) :]
                if not readable and not writable:
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and hung up: what we want
    assert sent < total, "the whole body was taken in"
    return int(reply.split(b" ", 2)[1])


def _json_head(length: int) -> bytes:
    return (
        f"POST /documents/ HTTP/1.1\r\nHost: docchat\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def _multipart_head() -> bytes:
    boundary = "abuse"
    return (
        f"POST /documents/upload HTTP/1.1\r\nHost: docchat\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode() + _as_chunk(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n".encode()
    )


def _as_chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def test_peak_memory_stays_flat_while_huge_bodies_are_refused(tmp_path: Path) -> None:
    with docchat_serve(tmp_path) as server:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for _ in range(20):  # warm: the first requests import and allocate
                client.post("/documents/", json={"title": "warm", "content": "Kettles boil."})
                client.get("/documents/")
        time.sleep(0.5)
        idle_kb = server.status("VmRSS")
        server.reset_peak_memory()

        statuses = [
            _send_until_refused(server, _json_head(400 * MB), 400 * MB, chunked=False),
            _send_until_refused(server, _multipart_head(), 1024 * MB, chunked=True),
        ]
        peak_kb = server.status("VmHWM")
        alive = httpx.get(f"{server.url}/health", timeout=10).status_code

    assert statuses == [413, 413]
    assert alive == 200
    assert peak_kb - idle_kb < BUDGET_KB, f"peak {peak_kb} kB, idle {idle_kb} kB"
