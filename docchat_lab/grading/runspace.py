"""Each run's own space, and how every process of a run is ended.

With namespaces (root, bwrap), a run's first process is PID 1 of a new PID namespace, with new
mount, network, IPC and UTS namespaces: a fresh /tmp, /dev/shm and work folder (tmpfs, removed
with the namespace), a /proc that shows only the run's own processes, no network interface up, and
no System V or POSIX IPC shared with anyone. Killing that PID 1 kills every process of the run,
whatever it did (setsid, double forks): nothing needs sweeping.

Without namespaces (uid, none), the run works in a folder of its own; the fork server is a
child subreaper, so every process a run leaves behind becomes the server's child, and is killed.
"""

import contextlib
import os
import shutil
import signal
from pathlib import Path

from docchat_lab.grading import isolation
from docchat_lab.grading.isolation import (
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWUTS,
    Limits,
    check,
    libc,
)

MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 0x4000, 0x40000
_TMPFS = MS_NOSUID | MS_NODEV
# Per run: what its tmpfs mounts may hold, in memory. A run that fills them only fills its own.
TMP_SIZE, SHM_SIZE, WORK_SIZE, INODES = "32m", "8m", "32m", 20000


class PidNamespaces:
    """In the fork server: the next fork becomes PID 1 of a new PID namespace."""

    def __init__(self) -> None:
        self.own = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)

    def before_fork(self) -> None:
        isolation.unshare(CLONE_NEWPID)

    def after_fork(self) -> None:
        # unshare(CLONE_NEWPID) works once per namespace: step back so the next run gets a new one.
        check(libc().setns(self.own, CLONE_NEWPID), "setns")


def _mount(source: bytes, target: str, kind: bytes, flags: int, data: str | None) -> None:
    encoded = data.encode() if data is not None else None
    check(libc().mount(source, target.encode(), kind, flags, encoded), f"mount {target}")


def _enter_namespaces(uid: int | None, tmp: str, work: str) -> None:
    isolation.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)
    _mount(b"none", "/", b"", MS_REC | MS_PRIVATE, None)
    owner = f",uid={uid},gid={uid}" if uid is not None else ""
    _mount(b"tmpfs", tmp, b"tmpfs", _TMPFS, f"size={TMP_SIZE},nr_inodes={INODES},mode=1777")
    _mount(b"tmpfs", "/dev/shm", b"tmpfs", _TMPFS, f"size={SHM_SIZE},nr_inodes={INODES},mode=1777")
    _mount(b"tmpfs", work, b"tmpfs", _TMPFS, f"size={WORK_SIZE},nr_inodes={INODES},mode=700{owner}")
    try:
        _mount(b"proc", "/proc", b"proc", _TMPFS | MS_NOEXEC, None)
    except OSError:
        # Inside some user namespaces a new /proc may not be mounted: then none at all.
        _mount(b"tmpfs", "/proc", b"tmpfs", _TMPFS | MS_NOEXEC, "size=4k,mode=555")
    os.chdir(work)


def enter(
    mode: str, uid: int | None, limits: Limits, workdir: Path | None, run: dict[str, str]
) -> None:
    """In a freshly forked run process: its own space, then no privileges, then its limits.

    `run` says where the fresh folders go ("tmp", "work"); `workdir` is the folder of a run
    without namespaces.
    """
    isolation.die_with_parent()
    os.setsid()
    if mode in isolation.NAMESPACED:
        _enter_namespaces(uid, run["tmp"], run["work"])
        home, tmp = run["work"], run["tmp"]
    else:
        assert workdir is not None
        os.chdir(workdir)
        home = tmp = str(workdir)
    # Under memory pressure the kernel should kill a run, never the grader or the fork server.
    with contextlib.suppress(OSError):
        Path("/proc/self/oom_score_adj").write_text("1000")
    os.environ.update({"HOME": home, "TMPDIR": tmp})
    isolation.become_worker(uid, limits)


def make_workdir(scratch: Path, uid: int | None) -> Path:
    """Without namespaces: a folder for the run, that only its uid may enter."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="run-", dir=scratch))
    if uid is not None:
        os.chown(path, uid, uid)
    path.chmod(0o700)
    return path


def children(pid: int) -> set[int]:
    """The live children of `pid` (the fork server: its runs, and the orphans it adopted)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:  # a kernel without CONFIG_PROC_CHILDREN: ask every process
        return _children_by_scan(pid)
    except OSError:
        return set()
    return {int(p) for p in text.split()}


def _children_by_scan(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_bytes()
                if int(stat.rsplit(b")", 1)[1].split()[1]) == pid:
                    found.add(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return found


def kill_group(pid: int) -> None:
    """Without namespaces: the run's process group. Anything that left the group (setsid) is
    re-parented to the fork server when its parent dies, and killed there (see `children`)."""
    for kill in (os.killpg, os.kill):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill(pid, signal.SIGKILL)


class Janitor:
    """Removes the work folders of runs without namespaces, in a small process of its own.

    A run may leave a million files behind; the fork server must never spend its time on them.
    Started before the fork server imports anything, so that it stays small.
    """

    def __init__(self) -> None:
        read_end, self.write_end = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - the janitor's own loop
            os.close(self.write_end)
            isolation.die_with_parent()
            with os.fdopen(read_end, "rb") as pipe:
                for line in pipe:
                    shutil.rmtree(os.fsdecode(line.rstrip(b"\n")), ignore_errors=True)
            os._exit(0)
        os.close(read_end)
        os.set_blocking(self.write_end, False)
        self.backlog: list[bytes] = []

    def remove(self, path: Path | None = None) -> None:
        if path is not None:
            self.backlog.append(os.fsencode(path) + b"\n")
        while self.backlog:
            try:
                os.write(self.write_end, self.backlog[0])
            except BlockingIOError:
                return  # the janitor is busy: try again at the next run's end
            self.backlog.pop(0)
