"""A misbehaving OpenAI-compatible upstream on a real socket on 127.0.0.1.

Raw sockets rather than an HTTP framework, so that it can misbehave the way real servers
and proxies do: never answer, answer one byte at a time, hang up halfway, or fail.
"""

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

ANSWER = "Kettles boil water [1]."
BEHAVIOURS = ("answer", "silent", "trickle", "hang-up", "http-500")


@dataclass
class Upstream:
    """What the fake upstream does, and what it saw."""

    behaviour: str = "answer"
    trickle_every_s: float = 0.1
    requests: int = 0
    release: threading.Event = field(default_factory=threading.Event)
    base_url: str = ""

    def _handle(self, conn: socket.socket) -> None:
        # OSError: the client gave up and closed the connection, as is its right.
        with conn, contextlib.suppress(OSError):
            self._respond(conn)

    def _respond(self, conn: socket.socket) -> None:
        if not _read_request(conn):
            return
        self.requests += 1
        if self.behaviour == "silent":
            self.release.wait(timeout=30)  # until the test ends: the client must give up
            return
        if self.behaviour == "hang-up":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Le")
            return
        if self.behaviour == "http-500":
            _send(conn, 500, b'{"error": {"message": "overloaded"}}')
            return
        body = json.dumps({"choices": [{"message": {"content": ANSWER}}]}).encode()
        if self.behaviour == "answer":
            _send(conn, 200, body)
            return
        # trickle: every byte of the body arrives in time for the per-read timeout,
        # but the whole answer takes far longer than it.
        conn.sendall(_head(200, len(body)))
        for byte in body:
            if self.release.wait(self.trickle_every_s):
                return
            conn.sendall(bytes([byte]))


def _read_request(conn: socket.socket) -> bool:
    conn.settimeout(10)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return False
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return False
            body += chunk
    except OSError:
        return False
    return True


def _head(status: int, length: int) -> bytes:
    return (
        f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
    ).encode()


def _send(conn: socket.socket, status: int, body: bytes) -> None:
    conn.sendall(_head(status, len(body)) + body)


@contextmanager
def fake_upstream(behaviour: str = "answer") -> Iterator[Upstream]:
    """Serve `behaviour` on 127.0.0.1 until the block ends; `base_url` ends in /v1."""
    assert behaviour in BEHAVIOURS, behaviour
    upstream = Upstream(behaviour)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    upstream.base_url = f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    stop = threading.Event()
    workers: list[threading.Thread] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            worker = threading.Thread(target=upstream._handle, args=(conn,), daemon=True)
            workers.append(worker)
            worker.start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield upstream
    finally:
        stop.set()
        upstream.release.set()
        acceptor.join(timeout=5)
        listener.close()
        for worker in workers:
            worker.join(timeout=5)


def closed_port_url() -> str:
    """A base URL where nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Bound and closed: the port is free and nothing listens on it (connection refused).
    return f"http://127.0.0.1:{port}/v1"


def elapsed_since(start: float) -> float:
    return time.perf_counter() - start
