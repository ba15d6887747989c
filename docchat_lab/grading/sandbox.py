"""The judge's side of the fork server: start it, spawn workers, kill them, learn how they ended."""

import contextlib
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from docchat_lab.grading import isolation
from docchat_lab.grading.isolation import Limits, free_uid_block


class SandboxError(RuntimeError):
    pass


@dataclass
class _Pending:
    spawned: threading.Event = field(default_factory=threading.Event)
    exited: threading.Event = field(default_factory=threading.Event)
    pid: int | None = None
    exit: dict[str, Any] = field(default_factory=dict)


@dataclass
class WorkerHandle:
    run: str
    sock: socket.socket
    sandbox: "Sandbox"

    def kill(self) -> None:
        self.sandbox.kill(self.run)

    def exit_report(self, timeout: float = 10.0) -> dict[str, Any]:
        return self.sandbox.wait_exit(self.run, timeout)


class Sandbox:
    """One fork server for a grading session. Use as a context manager."""

    def __init__(
        self,
        slugs: list[str],
        *,
        mode: str = "auto",
        hide: list[Path] | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.mode = isolation.detect_mode() if mode == "auto" else mode
        if self.mode not in isolation.DESCRIPTIONS:
            raise SandboxError(f"unknown isolation mode {mode!r}")
        self.slugs = slugs
        self.hide = [str(Path(p).resolve()) for p in (hide or [])]
        self.limits = limits or Limits()
        self.covered: list[str] = []
        self.uid_base = free_uid_block() if self.mode in isolation.OWN_UIDS else 0
        self._scratch = tempfile.TemporaryDirectory(prefix="docchat-grade-")
        self._runs: dict[str, _Pending] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._reader: threading.Thread | None = None
        self._ready = threading.Event()
        self._closed = False
        self._dead = False
        self._restart_lock = threading.Lock()

    @property
    def description(self) -> str:
        return isolation.DESCRIPTIONS[self.mode]

    def __enter__(self) -> "Sandbox":
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self, timeout: float = 120.0) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        keep = sorted({sys.prefix, sys.base_prefix, str(Path(__file__).resolve().parents[2])})
        config = {
            "mode": self.mode,
            "slugs": self.slugs,
            "hide": self.hide,
            "keep": keep + [p for p in sys.path if p],
            "scratch": self._scratch.name,
        }
        command = [
            sys.executable,
            "-m",
            "docchat_lab.grading.zygote",
            str(theirs.fileno()),
            json.dumps(config),
        ]
        if self.mode == "bwrap":
            command = self._bwrap_prefix() + command
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        self._process = subprocess.Popen(command, pass_fds=[theirs.fileno()], env=env)
        theirs.close()
        self._control = ours
        self._reader = threading.Thread(
            target=self._read, args=(ours,), name="sandbox-reader", daemon=True
        )
        self._reader.start()
        if not self._ready.wait(timeout):
            self.close()
            raise SandboxError("the fork server did not start")
        if self._process.poll() is not None:
            raise SandboxError(f"the fork server exited with code {self._process.returncode}")

    def _bwrap_prefix(self) -> list[str]:
        args = ["bwrap", "--dev-bind", "/", "/", "--unshare-net", "--die-with-parent"]
        for path in self.hide:
            args += ["--tmpfs", path]
        return [*args, "--"]

    def _read(self, control: socket.socket) -> None:
        while True:
            try:
                data = control.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                if control is self._control:
                    self._fail_all()
                return
            message = json.loads(data)
            op = message["op"]
            if op == "ready":
                self.covered = message.get("covered", [])
                self._ready.set()
                continue
            with self._lock:
                pending = self._runs.get(message.get("run", ""))
            if pending is None:
                continue
            if op == "spawned":
                pending.pid = message["pid"]
                pending.spawned.set()
            elif op == "exited":
                pending.exit = message
                pending.exited.set()

    def _fail_all(self) -> None:
        self._dead = True
        self._ready.set()
        with self._lock:
            for pending in self._runs.values():
                pending.exit = pending.exit or {"code": None, "signal": None, "lost": True}
                pending.spawned.set()
                pending.exited.set()

    def _restart_if_dead(self) -> None:
        """A submission may take the fork server down (isolation "none"): start a new one."""
        with self._restart_lock:
            if self._process is not None and self._process.poll() is None and not self._dead:
                return
            if self._control is not None:
                self._control.close()
            if self._process is not None and self._process.poll() is None:
                self._process.kill()
            self._dead = False
            self._ready.clear()
            self.start()

    def spawn(
        self,
        slug: str,
        slot: int,
        *,
        companion: dict[str, Any] | None = None,
        limits: Limits | None = None,
    ) -> WorkerHandle:
        if self._control is None or self._closed:
            raise SandboxError("the sandbox is not running")
        if self._dead or (self._process is not None and self._process.poll() is not None):
            self._restart_if_dead()
        run = f"r{next(self._ids)}"
        pending = _Pending()
        with self._lock:
            self._runs[run] = pending
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        message: dict[str, Any] = {
            "op": "spawn",
            "run": run,
            "slug": slug,
            "uid": self.uid_base + slot,
            "limits": asdict(limits or self.limits),
        }
        if companion is not None:
            message["companion"] = {"uid": self.uid_base + 512 + slot, "params": companion}
        with self._lock:
            socket.send_fds(self._control, [json.dumps(message).encode()], [theirs.fileno()])
        theirs.close()
        if not pending.spawned.wait(60) or pending.pid is None:
            ours.close()
            raise SandboxError("the fork server did not start a worker")
        return WorkerHandle(run, ours, self)

    def kill(self, run: str) -> None:
        if self._control is None or self._closed:
            return
        with self._lock, contextlib.suppress(OSError):
            self._control.send(json.dumps({"op": "kill", "run": run}).encode())

    def wait_exit(self, run: str, timeout: float) -> dict[str, Any]:
        with self._lock:
            pending = self._runs.get(run)
        if pending is None:
            return {}
        if not pending.exited.wait(timeout):
            return {"code": None, "signal": None, "lost": True}
        with self._lock:
            self._runs.pop(run, None)
        return pending.exit

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._control is not None:
            # shutdown() first: close() alone would wait for the reader thread's recv().
            with contextlib.suppress(OSError):
                self._control.shutdown(socket.SHUT_RDWR)
            self._control.close()
        if self._process is not None:
            try:
                self._process.wait(15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._scratch.cleanup()
