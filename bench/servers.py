"""uvicorn servers in subprocesses on 127.0.0.1, all started with the same settings."""

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
# The same for every server a benchmark compares; `python -m uvicorn --help` explains each.
UVICORN_OPTIONS = ("--workers", "1", "--no-access-log", "--log-level", "warning")


def uvicorn_settings() -> str:
    """The settings in words, for the results: what `--loop auto --http auto` picked."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio (uvloop not installed)"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11 (httptools not installed)"
    return f"uvicorn {' '.join(UVICORN_OPTIONS)}, one process on {HOST}, loop {loop}, http {http}"


@dataclass(frozen=True)
class ServerSpec:
    """`factory` is `module:function` returning an ASGI app; `env` is added to os.environ."""

    name: str
    factory: str
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Server:
    spec: ServerSpec
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def cpu_seconds(self) -> float | None:
        """CPU time the server has used so far (user + system), or None off Linux."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ServerError(RuntimeError):
    """A server did not start or died; the message carries the end of its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _launch(spec: ServerSpec, log_dir: Path) -> Server:
    port = free_port()
    log = log_dir / f"{spec.name}.log"
    command = [
        sys.executable, "-m", "uvicorn", spec.factory, "--factory",
        "--host", HOST, "--port", str(port), *UVICORN_OPTIONS,
    ]  # fmt: skip
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, **spec.env}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    with log.open("wb") as out:
        # A scratch directory as the working directory: no stray `.env` changes the settings.
        process = subprocess.Popen(
            command, env=env, cwd=log_dir, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    return Server(spec, port, process, log)


def _answers_http(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1) as sock:
            sock.sendall(b"GET /__bench_ready HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            return sock.recv(16).startswith(b"HTTP/1.1 ")
    except OSError:
        return False


def _wait_until_ready(server: Server, deadline: float) -> None:
    while not _answers_http(server.port):
        if server.process.poll() is not None:
            raise ServerError(f"{server.spec.name} exited:\n{server.log_text()[-2000:]}")
        if time.monotonic() > deadline:
            raise ServerError(f"{server.spec.name} did not answer:\n{server.log_text()[-2000:]}")
        time.sleep(0.05)


def _stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown, lifespan included
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


@contextlib.contextmanager
def serving(
    specs: Sequence[ServerSpec], startup_timeout: float = 60.0
) -> Iterator[dict[str, Server]]:
    """Start every server at once (they import in parallel), yield them by name, stop them all."""
    with tempfile.TemporaryDirectory(prefix="docchat-bench-logs-") as logs:
        servers: dict[str, Server] = {}
        try:
            for spec in specs:
                servers[spec.name] = _launch(spec, Path(logs))
            deadline = time.monotonic() + startup_timeout
            for server in servers.values():
                _wait_until_ready(server, deadline)
            yield servers
        finally:
            for server in servers.values():
                _stop(server)
