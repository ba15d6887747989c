"""What notebook 06 needs around its examples: polling a document, and a server process of its
own that a cell can kill like a crash does."""

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def wait_until_done(client: Any, document_id: int, timeout: float = 30.0) -> dict[str, Any]:
    """Poll GET /documents/{id}, as a frontend would, until it is ready or failed."""
    deadline = time.monotonic() + timeout
    while True:
        document: dict[str, Any] = client.get(f"/documents/{document_id}").json()
        if document["status"] in ("ready", "failed"):
            return document
        if time.monotonic() > deadline:
            raise TimeoutError(f"document {document_id} is still {document['status']}")
        time.sleep(0.05)


def wait_for(condition: Any, what: str, timeout: float = 30.0) -> None:
    """Wait until `condition()` is true: for the thing itself, never a number of seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout} s for {what}")
        time.sleep(0.02)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_uvicorn(app: str, app_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """`uvicorn <app>` in a process of its own, on 127.0.0.1:<port>; returns once it answers."""
    import httpx2

    command = [sys.executable, "-m", "uvicorn", app, "--app-dir", str(app_dir)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "critical"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def answers() -> bool:
        if process.poll() is not None:
            raise RuntimeError("the server process exited")
        try:
            httpx2.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
        except httpx2.TransportError:
            return False
        return True

    wait_for(answers, "the server process to answer")
    return process
