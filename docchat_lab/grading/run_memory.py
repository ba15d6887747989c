"""A run's memory, all of its processes together: a memory cgroup for each run.

RLIMIT_AS caps each process, and a run may start 64 of them: one that forks could hold its
limit in every child (14 children of 400 MB under a 1 GB limit held 4.8 GB and scored full
marks). Where the fork server may make cgroups (as root, with a memory controller, v1 or v2),
each run gets one, capped at the run's limit: past it the kernel kills within the run, never
anything else on the machine. Elsewhere runs keep the per-process cap alone.
"""

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

V1 = Path("/sys/fs/cgroup/memory")
V2 = Path("/sys/fs/cgroup")


def _controller() -> tuple[Path, str] | None:
    """Where memory cgroups are made here, and their limit file; None where they are not."""
    try:
        if (V1 / "memory.limit_in_bytes").exists():
            return V1, "memory.limit_in_bytes"
        if "memory" in (V2 / "cgroup.controllers").read_text().split():
            return V2, "memory.max"
    except OSError:
        pass
    return None


def available() -> bool:
    """Whether a fork server started here (not inside bwrap, which shows no /sys) gets them."""
    return os.geteuid() == 0 and _controller() is not None


@dataclass
class RunMemory:
    """A folder of cgroups, one per run, opened before the server leaves the host's /sys."""

    folder: int  # a descriptor of our own cgroup folder, still usable after a pivot_root
    limit_file: str  # memory.limit_in_bytes (v1) or memory.max (v2)
    ended: set[str] = field(default_factory=set)  # cgroups of ended runs, not yet removed

    @classmethod
    def open(cls) -> "RunMemory | None":
        """Ours, if this process may make memory cgroups here; None where it may not."""
        found = _controller() if os.geteuid() == 0 else None
        if found is None:
            return None
        root, limit_file = found
        try:
            _remove_stale(root)
            ours = root / f"docchat-grade-{os.getpid()}"
            ours.mkdir()
            if limit_file == "memory.max":
                (ours / "cgroup.subtree_control").write_text("+memory")
            return cls(os.open(ours, os.O_RDONLY | os.O_DIRECTORY), limit_file)
        except OSError:
            return None

    def create(self, run_id: str, limit_bytes: int) -> str:
        """A cgroup for run `run_id`, capped at `limit_bytes`; its name."""
        name = f"run-{run_id}"
        os.mkdir(name, dir_fd=self.folder)
        try:
            self._write(f"{name}/{self.limit_file}", str(limit_bytes))
        except OSError:
            self.release(name)
            raise
        if self.limit_file == "memory.limit_in_bytes":
            # v1 counts swap apart: without this a run could page out past its limit.
            with contextlib.suppress(OSError):
                self._write(f"{name}/memory.memsw.limit_in_bytes", str(limit_bytes))
        return name

    def join(self, name: str) -> None:
        """In the run's first process, before anything else: it and all it starts are counted."""
        self._write(f"{name}/cgroup.procs", "0")

    def oom_kills(self, name: str) -> int:
        """How many of the run's processes the kernel killed for going over its limit."""
        events = "memory.events" if self.limit_file == "memory.max" else "memory.oom_control"
        try:
            fd = os.open(f"{name}/{events}", os.O_RDONLY, dir_fd=self.folder)
            try:
                text = os.read(fd, 4096).decode()
            finally:
                os.close(fd)
        except OSError:
            return 0
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit():
                return int(value)
        return 0

    def release(self, name: str) -> None:
        """The run has ended: remove its cgroup once its last process is gone."""
        self.ended.add(name)
        for done in list(self.ended):
            with contextlib.suppress(OSError):  # still busy: tried again at the next release
                os.rmdir(done, dir_fd=self.folder)
                self.ended.discard(done)

    def _write(self, relative: str, value: str) -> None:
        fd = os.open(relative, os.O_WRONLY, dir_fd=self.folder)
        try:
            os.write(fd, value.encode())
        finally:
            os.close(fd)


def remove_folder(server_pid: int) -> None:
    """After a fork server has stopped: remove what is left of its cgroups (the judge's side,
    which still sees the host's /sys)."""
    for root in (V1, V2):
        _remove(root / f"docchat-grade-{server_pid}")


def _remove_stale(root: Path) -> None:
    """The folders of fork servers that are gone without removing theirs (a killed grader)."""
    for folder in root.glob("docchat-grade-*"):
        pid = folder.name.rpartition("-")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            _remove(folder)


def _remove(folder: Path) -> None:
    if not folder.is_dir():
        return
    for run in folder.glob("run-*"):
        with contextlib.suppress(OSError):
            run.rmdir()
    with contextlib.suppress(OSError):
        folder.rmdir()
