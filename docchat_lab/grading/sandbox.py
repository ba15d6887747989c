"""The judge's side of the fork servers: start them, spawn runs, kill them, learn how they ended.

There is one fork server per image: "worker" runs learners' code, "app" runs the kit's apps that
learners' tests are served (exercise 8). With namespaces they are separate processes with
separate allowlists, so a learner's process never holds an app's code or which variant it is.
A fork server that dies is started again at the next spawn; only the runs it had are lost.
"""

import itertools
import json
import os
import socket
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from docchat_lab.grading import isolation, kit_imports, rootfs
from docchat_lab.grading.isolation import SLOT_UIDS, Limits, free_uid_block
from docchat_lab.grading.server_link import SandboxError, ServerLink, WorkerHandle

# Every fork server imports and shows these; each image adds its own.
_COMMON = [
    "docchat_lab",
    "docchat_lab.grading",
    "docchat_lab.grading.filetree",
    "docchat_lab.grading.isolation",
    "docchat_lab.grading.protocol",
    "docchat_lab.grading.rootfs",
    "docchat_lab.grading.run_memory",
    "docchat_lab.grading.runspace",
    "docchat_lab.grading.zygote",
    "docchat_lab.grading.asgi_driver",
]
_WORKER = [
    "docchat_lab.grading.worker",
    "docchat_lab.harness",
    "docchat_lab.harness.support",
    "docchat_lab.harness.stage_support",
]
_APP = ["docchat_lab.grading.app_server"]


class Sandbox:
    """The fork servers of one grading session. Use as a context manager."""

    def __init__(
        self,
        slugs: list[str],
        *,
        mode: str = "auto",
        limits: Limits | None = None,
        apps: Sequence[str] | None = None,
    ) -> None:
        self.mode = isolation.detect_mode() if mode == "auto" else mode
        if self.mode not in isolation.DESCRIPTIONS:
            raise SandboxError(f"unknown isolation mode {mode!r}")
        self.limits = limits or Limits()
        self.uid_base = free_uid_block() if isolation.uses_own_uids(self.mode) else 0
        # Each image also holds the kit modules its own modules import (kit_imports).
        worker = kit_imports.worker_image(_WORKER + [f"docchat_lab.harness.{s}" for s in slugs])
        if apps is None:
            from docchat_lab.grading.manifest import served_apps

            apps = served_apps(slugs)
        app = kit_imports.closure(_APP + list(apps), ("docchat_lab", "docchat")) if apps else []
        # Without namespaces a worker can read the app's code on disk anyway: one server will do.
        if self.mode in isolation.NAMESPACED:
            self.images = {"worker": worker} | ({"app": app} if app else {})
        else:
            self.images = {"worker": worker + app}
        self._scratch = tempfile.TemporaryDirectory(prefix="docchat-grade-")
        # Without namespaces, runs work in folders in here: each may enter its own, list none.
        Path(self._scratch.name).chmod(0o711)
        self._servers: dict[str, ServerLink] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._closed = False
        self.restarts = 0

    @property
    def description(self) -> str:
        return isolation.DESCRIPTIONS[self.mode]

    def __enter__(self) -> "Sandbox":
        try:
            self.start()
        except BaseException:
            self.close()  # the servers that did start, and the scratch folder
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self, timeout: float = 120.0) -> None:
        # All started before any is waited for: their imports overlap.
        for image in self.images:
            self._servers[image] = self._start(image)
        for server in self._servers.values():
            server.wait_ready(timeout)

    def _start(self, image: str) -> ServerLink:
        modules = self.images[image]
        preload = kit_imports.preloadable(modules)
        config: dict[str, Any] = {"mode": self.mode, "preload": preload}
        config["scratch"] = self._scratch.name
        allowed = rootfs.allowlist(_COMMON + modules) if self.mode in isolation.NAMESPACED else None
        if allowed is not None:
            config["run"] = allowed.run
        if self.mode == "root" and allowed is not None:
            root = Path(tempfile.mkdtemp(prefix=f"root-{image}-", dir=self._scratch.name))
            config |= {"allow": allowed.to_json(), "root": str(root)}
        command = [sys.executable, "-m", "docchat_lab.grading.zygote", "{fd}", json.dumps(config)]
        if self.mode == "bwrap" and allowed is not None:
            command = rootfs.bwrap_arguments(allowed, as_root=os.geteuid() == 0) + command
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        return ServerLink(command, env)

    def _server(self, role: str) -> ServerLink:
        image = "app" if role == "app" and "app" in self.images else "worker"
        with self._lock:
            if self._closed:
                raise SandboxError("the sandbox is closed")
            server = self._servers[image]
            if not server.alive:
                # The server died (a run took it down): a new one serves the runs from now on.
                server.stop()
                server = self._servers[image] = self._start(image)
                server.wait_ready(120)
                self.restarts += 1
            return server

    def uid(self, slot: int, index: int = 0) -> int | None:
        if not self.uid_base:
            return None
        if not 0 <= index < SLOT_UIDS or not 0 <= slot < isolation.MAX_SLOTS:
            raise SandboxError(f"no uid for slot {slot}, process {index}")
        return self.uid_base + slot * SLOT_UIDS + index

    def spawn(
        self,
        role: str,
        slot: int,
        *,
        index: int = 0,
        extra: Sequence[socket.socket] = (),
        args: dict[str, Any] | None = None,
        limits: Limits | None = None,
    ) -> WorkerHandle:
        """A new process for `role` ("worker" or "app"); its socket, and `extra` ones, passed in."""
        server = self._server(role)
        run = f"r{next(self._ids)}"
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        message = {
            "op": "spawn",
            "run": run,
            "role": role,
            "uid": self.uid(slot, index),
            "limits": asdict(limits or self.limits),
            "args": args or {},
        }
        try:
            pending = server.spawn(message, [theirs.fileno(), *(s.fileno() for s in extra)])
        except (OSError, SandboxError) as exc:
            ours.close()
            raise SandboxError(f"could not start a process: {exc}") from None
        finally:
            theirs.close()
        if not pending.spawned.wait(60) or pending.pid is None:
            ours.close()
            raise SandboxError(f"the fork server did not start a process ({pending.error})")
        return WorkerHandle(run, ours, server)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        for server in self._servers.values():
            server.stop()
        self._scratch.cleanup()
