"""The judge's link to one fork server: its process, its control socket, the runs in flight."""

import contextlib
import json
import socket
import subprocess
import threading
from dataclasses import dataclass, field
from typing import Any

from docchat_lab.grading import run_memory


class SandboxError(RuntimeError):
    pass


@dataclass
class _Pending:
    spawned: threading.Event = field(default_factory=threading.Event)
    exited: threading.Event = field(default_factory=threading.Event)
    pid: int | None = None
    error: str = ""
    exit: dict[str, Any] = field(default_factory=dict)


@dataclass
class WorkerHandle:
    run: str
    sock: socket.socket
    server: "ServerLink"

    def kill(self) -> None:
        self.server.kill(self.run)

    def exit_report(self, timeout: float = 10.0) -> dict[str, Any]:
        return self.server.wait_exit(self.run, timeout)

    def close(self) -> dict[str, Any]:
        """Kill the run, wait for all of it to end, and say how it ended."""
        self.kill()
        report = self.exit_report()
        self.sock.close()
        return report


class ServerLink:
    """One fork server process, and the runs it has in flight."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.runs: dict[str, _Pending] = {}
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.dead = False
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = [c if c != "{fd}" else str(theirs.fileno()) for c in command]
        self.process = subprocess.Popen(
            command, pass_fds=[theirs.fileno()], env=env, start_new_session=True
        )
        theirs.close()
        self.control = ours
        threading.Thread(target=self._read, name="fork-server-reader", daemon=True).start()

    @property
    def alive(self) -> bool:
        return not self.dead and self.process.poll() is None

    def wait_ready(self, timeout: float) -> None:
        if not self.ready.wait(timeout) or self.dead:
            self.stop()
            raise SandboxError(f"the fork server did not start (exit code {self.process.poll()})")

    def _read(self) -> None:
        while True:
            try:
                data = self.control.recv(1 << 16)
                message = json.loads(data) if data else None
            except (OSError, ValueError):
                message = None
            if not isinstance(message, dict):
                self._fail_all()
                return
            if message.get("op") == "ready":
                self.ready.set()
                continue
            with self.lock:
                pending = self.runs.get(str(message.get("run")))
            if pending is None:
                continue
            if message["op"] == "spawned":
                pending.pid = message.get("pid")
                pending.spawned.set()
            elif message["op"] == "failed":
                pending.error = str(message.get("error", "the fork failed"))[:300]
                pending.spawned.set()
                pending.exited.set()
            elif message["op"] == "exited":
                pending.exit = message
                pending.exited.set()

    def _fail_all(self) -> None:
        self.dead = True
        self.ready.set()
        with self.lock:
            for pending in self.runs.values():
                pending.error = pending.error or "the fork server stopped"
                pending.exit = pending.exit or {"code": None, "signal": None, "lost": True}
                pending.spawned.set()
                pending.exited.set()

    def spawn(self, message: dict[str, Any], fds: list[int]) -> _Pending:
        pending = _Pending()
        with self.lock:
            self.runs[message["run"]] = pending
            if self.dead:
                raise SandboxError("the fork server stopped")
            socket.send_fds(self.control, [json.dumps(message).encode()], fds)
        return pending

    def kill(self, run: str) -> None:
        with self.lock, contextlib.suppress(OSError):
            if not self.dead:
                self.control.send(json.dumps({"op": "kill", "run": run}).encode())

    def wait_exit(self, run: str, timeout: float) -> dict[str, Any]:
        with self.lock:
            pending = self.runs.get(run)
        if pending is None:
            return {}
        if not pending.exited.wait(timeout):
            return {"code": None, "signal": None, "lost": True}
        with self.lock:
            self.runs.pop(run, None)
        return pending.exit

    def stop(self) -> None:
        # shutdown() first: close() alone would wait for the reader thread's recv().
        with contextlib.suppress(OSError):
            self.control.shutdown(socket.SHUT_RDWR)
        self.control.close()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        run_memory.remove_folder(self.process.pid)
