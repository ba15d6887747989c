"""`docchat serve` in a subprocess, as a user runs it: the defaults, a database in its folder."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class DocchatServer:
    url: str
    process: subprocess.Popen[bytes]
    folder: Path
    log: Path

    @property
    def database(self) -> Path:
        return self.folder / "docchat.db"

    def status(self, field: str) -> int:
        """A field of /proc/PID/status in kB (VmRSS, VmHWM): Linux only."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
        raise KeyError(field)

    def reset_peak_memory(self) -> None:
        """From now on VmHWM is the peak since this call (Linux: clear_refs, 5)."""
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def docchat_serve(folder: Path, **env: str) -> Iterator[DocchatServer]:
    """`python -m docchat serve` with the working directory `folder` and no DOCCHAT_ variable
    but `env`; stopped (SIGINT, then SIGKILL) afterwards."""
    port = _free_port()
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("DOCCHAT_")}
    clean.update(env)
    clean["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), clean.get("PYTHONPATH")) if p)
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "docchat", "serve", "--port", str(port),
             "--log-level", "warning"],
            cwd=folder, env=clean, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = DocchatServer(f"http://127.0.0.1:{port}", process, folder, log)
    try:
        _wait_until_ready(server)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_until_ready(server: DocchatServer, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"docchat serve exited:\n{server.log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{server.url}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"docchat serve did not start:\n{server.log.read_text()[-2000:]}")
