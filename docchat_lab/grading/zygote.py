"""The fork server: imports the heavy libraries once, then forks a fresh worker per exercise run.

Started by the judge (sandbox.py) with a SOCK_SEQPACKET control socket. It never sees the
checks or the solutions: it only learns an exercise's name, a uid and limits, and is handed
the socket the worker will talk to the judge over.
"""

import contextlib
import gc
import importlib
import json
import os
import selectors
import shutil
import signal
import socket
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docchat_lab.grading import isolation

OUTPUT_TAIL = 2000


@dataclass
class _Run:
    pids: set[int]
    uids: list[int]
    workdirs: list[Path]
    main_pid: int
    results: dict[int, dict[str, Any]] = field(default_factory=dict)


def _preload(slugs: list[str]) -> None:
    """Import everything a worker needs, so that a fork costs milliseconds, not a second."""
    from docchat_lab.grading import worker  # noqa: F401 - imported for the forks

    for slug in slugs:
        harness = importlib.import_module(f"docchat_lab.harness.{slug}")
        warm = getattr(harness, "warm_up", None)
        if warm is not None:
            warm()


def _close_all_but(keep: list[int]) -> None:
    """Close every inherited descriptor above stderr except `keep`: no peeking at others'."""
    start = 3
    for fd in sorted(keep):
        os.closerange(start, fd)
        start = fd + 1
    os.closerange(start, os.sysconf("SC_OPEN_MAX"))


def _send(control: socket.socket, message: dict[str, Any]) -> None:
    control.send(json.dumps(message).encode())


class ForkServer:
    def __init__(self, control: socket.socket, config: dict[str, Any]) -> None:
        self.control = control
        self.mode: str = config["mode"]
        self.scratch = Path(config["scratch"])
        self.runs: dict[str, _Run] = {}
        self.owner: dict[int, str] = {}

    def _workdir(self, uid: int | None) -> Path:
        path = Path(tempfile.mkdtemp(prefix="run-", dir=self.scratch))
        if uid is not None:
            os.chown(path, uid, uid)
        path.chmod(0o700)
        return path

    def _fork(
        self,
        role: str,
        keep: list[int],
        uid: int | None,
        workdir: Path,
        limits: isolation.Limits,
        args: dict[str, Any],
    ) -> int:
        output = os.open(workdir / "output.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        if uid is not None:
            os.fchown(output, uid, uid)
        pid = os.fork()
        if pid:
            os.close(output)
            return pid
        try:  # the child: never returns
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.dup2(output, 1)
            os.dup2(output, 2)
            _close_all_but(keep)
            os.chdir(workdir)
            os.environ.update({"HOME": str(workdir), "TMPDIR": str(workdir)})
            isolation.become_worker(uid, limits)
            from docchat_lab.grading import worker

            worker.run(role, keep, args)
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(70)
        return 0  # pragma: no cover

    def spawn(self, message: dict[str, Any], fds: list[int]) -> None:
        run_id = str(message["run"])
        limits = isolation.Limits(**message["limits"])
        uid = message.get("uid") if self.mode in isolation.OWN_UIDS else None
        run = _Run(set(), [], [], 0)
        args = {"slug": message["slug"]}
        keep = [fds[0]]
        companion = message.get("companion")
        if companion is not None:
            left, right = socket.socketpair()
            c_uid = companion.get("uid") if self.mode in isolation.OWN_UIDS else None
            c_dir = self._workdir(c_uid)
            c_args = {"slug": message["slug"], "params": companion["params"]}
            c_pid = self._fork("companion", [left.fileno()], c_uid, c_dir, limits, c_args)
            left.close()
            run.pids.add(c_pid)
            run.workdirs.append(c_dir)
            if c_uid is not None:
                run.uids.append(c_uid)
            self.owner[c_pid] = run_id
            keep.append(right.fileno())
            args["companion_fd"] = right.fileno()
        workdir = self._workdir(uid)
        pid = self._fork("worker", keep, uid, workdir, limits, args)
        for fd in keep:
            os.close(fd)
        run.pids.add(pid)
        run.main_pid = pid
        run.workdirs.append(workdir)
        if uid is not None:
            run.uids.append(uid)
        self.owner[pid] = run_id
        self.runs[run_id] = run
        _send(self.control, {"op": "spawned", "run": run_id, "pid": pid})

    def kill(self, run_id: str) -> None:
        run = self.runs.get(run_id)
        if run is None:
            return
        for pid in run.pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        for uid in run.uids:
            isolation.sweep_uid(uid)

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            run_id = self.owner.pop(pid, None)
            run = self.runs.get(run_id) if run_id else None
            if run is None or run_id is None:
                continue  # an orphan we adopted as subreaper
            run.pids.discard(pid)
            if pid == run.main_pid:
                run.results[pid] = self._exit_report(status, run.workdirs[-1])
            if not run.pids:
                self._finish(run_id, run)

    def _exit_report(self, status: int, workdir: Path) -> dict[str, Any]:
        report: dict[str, Any] = {"code": None, "signal": None}
        if os.WIFSIGNALED(status):
            report["signal"] = os.WTERMSIG(status)
        else:
            report["code"] = os.waitstatus_to_exitcode(status)
        try:
            with (workdir / "output.txt").open("rb") as handle:
                handle.seek(max(0, (workdir / "output.txt").stat().st_size - OUTPUT_TAIL))
                report["output"] = handle.read().decode("utf-8", "replace")
        except OSError:
            report["output"] = ""
        return report

    def _finish(self, run_id: str, run: _Run) -> None:
        for uid in run.uids:
            isolation.sweep_uid(uid)
        for workdir in run.workdirs:
            shutil.rmtree(workdir, ignore_errors=True)
        del self.runs[run_id]
        report = run.results.get(run.main_pid, {"code": None, "signal": None, "output": ""})
        _send(self.control, {"op": "exited", "run": run_id, **report})

    def serve(self) -> None:
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)
        signal.set_wakeup_fd(write_end)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        selector = selectors.DefaultSelector()
        selector.register(self.control, selectors.EVENT_READ, "control")
        selector.register(read_end, selectors.EVENT_READ, "signal")
        while True:
            for key, _ in selector.select():
                if key.data == "signal":
                    os.read(read_end, 4096)
                    self.reap()
                    continue
                data, fds, _flags, _addr = socket.recv_fds(self.control, 1 << 16, 4)
                if not data:
                    self.shutdown()
                    return
                message = json.loads(data)
                if message["op"] == "spawn":
                    self.spawn(message, fds)
                elif message["op"] == "kill":
                    self.kill(str(message["run"]))
                self.reap()

    def shutdown(self) -> None:
        for run_id in list(self.runs):
            self.kill(run_id)
        self.reap()


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    config = json.loads(sys.argv[2])
    _preload(config["slugs"])
    covered: list[str] = []
    if config["mode"] == "root":
        covered = isolation.enter_private_namespaces(config["hide"], config["keep"])
    if config["mode"] in ("root", "uid", "bwrap"):
        isolation.become_subreaper()
    scratch = Path(config["scratch"])
    if "/tmp" in covered or not scratch.exists():
        scratch = Path(tempfile.mkdtemp(prefix="docchat-work-"))
        config["scratch"] = str(scratch)
    scratch.chmod(0o711)  # workers may enter their own folder, not list the others
    server = ForkServer(control, config)
    gc.freeze()  # keep preloaded objects out of the forks' garbage collections (and pages)
    _send(control, {"op": "ready", "covered": covered, "pid": os.getpid()})
    server.serve()


if __name__ == "__main__":
    main()
