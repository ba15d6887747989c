"""The fork server: imports the heavy libraries once, then forks a fresh process per run.

Started by the judge (sandbox.py) with a SOCK_SEQPACKET control socket. It never sees the
checks, the solutions, a submission's files or any expected value: a spawn message holds a role,
a uid and limits, and the sockets the new process will talk over. It trusts nothing a run does:
it reads nothing from a run's folder (a run's output goes to a memory file the server made and
reads back through its own descriptor, 2 KB at most), it never waits on a run, and every process
a run starts dies with it.
"""

import contextlib
import gc
import importlib
import json
import os
import selectors
import signal
import socket
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docchat_lab.grading import isolation, rootfs, runspace
from docchat_lab.grading.run_memory import RunMemory

OUTPUT_TAIL = 2000
_ROLES = {"worker": "docchat_lab.grading.worker", "app": "docchat_lab.grading.app_server"}


@dataclass
class _Run:
    pid: int
    output: int
    workdir: Path | None
    cgroup: str | None = None
    report: dict[str, Any] | None = None


_OURS = {"docchat", "docchat_lab", "my_docchat"}


def _preload(modules: list[str]) -> None:
    """Import everything a run needs, so that a fork costs milliseconds, not a second."""
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # An optional dependency this environment lacks (Celery in a learner's [lab]): the
            # module is imported only where it is used, and a run that needs it fails there.
            if exc.name and exc.name.partition(".")[0] not in _OURS:
                continue
            raise
        warm = getattr(module, "warm_up", None)
        if warm is not None:
            warm()


def _close_all_but(keep: list[int]) -> None:
    """Close every inherited descriptor above stderr except `keep`: no peeking at others'."""
    start = 3
    for fd in sorted(keep):
        os.closerange(start, fd)
        start = fd + 1
    os.closerange(start, os.sysconf("SC_OPEN_MAX"))


def _output_file() -> int:
    """Where a run's stdout and stderr go: a file with no name, that only we can read back."""
    if hasattr(os, "memfd_create"):
        return os.memfd_create("output", os.MFD_CLOEXEC)
    with tempfile.TemporaryFile() as handle:
        return os.dup(handle.fileno())


def _tail(fd: int) -> str:
    size = os.fstat(fd).st_size
    start = max(0, size - OUTPUT_TAIL)
    return os.pread(fd, size - start, start).decode("utf-8", "replace")


class ForkServer:
    def __init__(
        self,
        control: socket.socket,
        config: dict[str, Any],
        pid_namespaces: runspace.PidNamespaces | None,
        janitor: runspace.Janitor | None,
        memory: RunMemory | None = None,
    ) -> None:
        self.control = control
        self.memory = memory
        self.mode: str = config["mode"]
        self.namespaced = self.mode in isolation.NAMESPACED
        self.scratch = Path(config.get("scratch") or tempfile.gettempdir())
        self.runs: dict[str, _Run] = {}
        self.by_pid: dict[int, str] = {}
        self.pid_namespaces = pid_namespaces
        self.janitor = janitor
        self.run_folders: dict[str, str] = dict(config.get("run") or {})

    def _send(self, message: dict[str, Any]) -> None:
        with contextlib.suppress(OSError):  # the judge is gone: serve() sees it next
            self.control.send(json.dumps(message).encode())

    def spawn(self, message: dict[str, Any], fds: list[int]) -> None:
        run_id = str(message["run"])
        output = -1
        workdir: Path | None = None
        cgroup: str | None = None
        try:
            uid = message.get("uid")
            limits = isolation.Limits(**message["limits"])
            output = _output_file()
            if not self.namespaced:
                workdir = runspace.make_workdir(self.scratch, uid)
            cgroup = self._cgroup(run_id, limits)
            pid = self._fork(message, fds, output, workdir, uid, limits, cgroup)
        except Exception as exc:  # a fork that failed (no memory, no pids) fails this run only
            if cgroup is not None and self.memory is not None:
                self.memory.release(cgroup)
            for fd in [*fds, output]:
                with contextlib.suppress(OSError):
                    os.close(fd)
            if workdir is not None and self.janitor is not None:
                self.janitor.remove(workdir)
            self._send({"op": "failed", "run": run_id, "error": f"{type(exc).__name__}: {exc}"})
            return
        for fd in fds:
            os.close(fd)
        self.runs[run_id] = _Run(pid, output, workdir, cgroup)
        self.by_pid[pid] = run_id
        self._send({"op": "spawned", "run": run_id, "pid": pid})

    def _cgroup(self, run_id: str, limits: isolation.Limits) -> str | None:
        """The run's memory cgroup (run_memory.py), where this server can make one."""
        if self.memory is None:
            return None
        try:
            return self.memory.create(run_id, limits.memory_mb * 1024 * 1024)
        except OSError:
            return None  # the per-process cap still holds

    def _fork(
        self,
        message: dict[str, Any],
        fds: list[int],
        output: int,
        workdir: Path | None,
        uid: int | None,
        limits: isolation.Limits,
        cgroup: str | None,
    ) -> int:
        namespaces = self.pid_namespaces
        if namespaces is not None:
            namespaces.before_fork()
        try:
            pid = os.fork()
        except BaseException:
            if namespaces is not None:
                namespaces.after_fork()
            raise
        if pid:
            if namespaces is not None:
                namespaces.after_fork()
            return pid
        try:  # the child: never returns
            if cgroup is not None and self.memory is not None:
                self.memory.join(cgroup)  # first: all the run does and starts is counted
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.dup2(output, 1)
            os.dup2(output, 2)
            _close_all_but(fds)
            runspace.enter(self.mode, uid, limits, workdir, self.run_folders)
            role = importlib.import_module(_ROLES[message["role"]])
            role.run(fds, message.get("args") or {})
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(70)

    def kill(self, run_id: str) -> None:
        run = self.runs.get(run_id)
        if run is None or run.report is not None:
            return
        if self.namespaced:
            # PID 1 of the run's namespace: the kernel kills every other process in it too.
            with contextlib.suppress(ProcessLookupError):
                os.kill(run.pid, signal.SIGKILL)
        else:
            runspace.kill_group(run.pid)

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            run_id = self.by_pid.pop(pid, None)
            if run_id is None:
                continue  # an orphan we adopted, now gone
            run = self.runs[run_id]
            run.report = self._exit_report(status, run)
        self._finish_ended()

    def _exit_report(self, status: int, run: _Run) -> dict[str, Any]:
        report: dict[str, Any] = {"code": None, "signal": None, "output": ""}
        if os.WIFSIGNALED(status):
            report["signal"] = os.WTERMSIG(status)
        else:
            report["code"] = os.waitstatus_to_exitcode(status)
        with contextlib.suppress(OSError):
            report["output"] = _tail(run.output)
        if run.cgroup is not None and self.memory is not None:
            report["oom_kills"] = self.memory.oom_kills(run.cgroup)
        return report

    def _finish_ended(self) -> None:
        ended = [run_id for run_id, run in self.runs.items() if run.report is not None]
        if not ended:
            return
        if not self.namespaced:
            # Whatever a run left behind is our child now: nothing ends while any is alive.
            live = set(self.by_pid)
            orphans = runspace.children(os.getpid()) - live - self._janitor_pid()
            for orphan in orphans:
                runspace.kill_group(orphan)
            if orphans:
                return  # their deaths wake us up again
        for run_id in ended:
            run = self.runs.pop(run_id)
            os.close(run.output)
            if run.workdir is not None and self.janitor is not None:
                self.janitor.remove(run.workdir)
            if run.cgroup is not None and self.memory is not None:
                self.memory.release(run.cgroup)
            self._send({"op": "exited", "run": run_id, **(run.report or {})})
        if self.janitor is not None:
            self.janitor.remove()

    def _janitor_pid(self) -> set[int]:
        return {self.janitor.pid} if self.janitor is not None else set()

    def serve(self) -> None:
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)
        signal.set_wakeup_fd(write_end)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        selector = selectors.DefaultSelector()
        selector.register(self.control, selectors.EVENT_READ, "control")
        selector.register(read_end, selectors.EVENT_READ, "signal")
        while True:
            for key, _ in selector.select(timeout=1.0 if self.janitor is not None else None):
                if key.data == "signal":
                    os.read(read_end, 4096)
                    continue
                try:
                    data, fds, _flags, _addr = socket.recv_fds(self.control, 1 << 16, 16)
                except OSError:
                    data, fds = b"", []
                if not data:
                    self.shutdown()
                    return
                self._handle(data, fds)
            self.reap()

    def _handle(self, data: bytes, fds: list[int]) -> None:
        try:
            message = json.loads(data)
            op = message["op"]
        except (ValueError, KeyError, TypeError):
            for fd in fds:
                os.close(fd)
            return
        if op == "spawn":
            self.spawn(message, fds)
        elif op == "kill":
            self.kill(str(message["run"]))

    def shutdown(self) -> None:
        for run_id in list(self.runs):
            self.kill(run_id)


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    config = json.loads(sys.argv[2])
    mode = config["mode"]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the judge decides when we stop
    namespaced = mode in isolation.NAMESPACED
    # Both before the imports: the janitor stays small, and the new root has no /proc of ours.
    janitor = None if namespaced else runspace.Janitor()
    pid_namespaces = runspace.PidNamespaces() if namespaced else None
    memory = RunMemory.open()  # before the new root, which has no /sys
    _preload(config["preload"])
    if mode == "root":
        rootfs.enter(rootfs.Allowlist.from_json(config["allow"]), Path(config["root"]))
    isolation.become_subreaper()
    server = ForkServer(control, config, pid_namespaces, janitor, memory)
    gc.freeze()  # keep preloaded objects out of the forks' garbage collections (and pages)
    server._send({"op": "ready", "pid": os.getpid()})
    server.serve()


if __name__ == "__main__":
    main()
