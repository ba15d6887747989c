"""What keeps a submission's process from the rest of the machine: namespaces, users, limits.

Three levels, chosen by what the machine allows:
- "root":  the fork server gets private mount and network namespaces; the folders that hold
           solutions, hidden checks and other submissions are covered by empty tmpfs mounts;
           each worker runs as its own unprivileged uid with resource limits.
- "uid":   root without namespaces (a container without CAP_SYS_ADMIN): each worker still runs
           as its own unprivileged uid with resource limits, but the folders are not hidden.
- "bwrap": the same mounts through bubblewrap (an unprivileged user namespace); workers keep
           the grader's uid, so only the mounts and the limits protect.
- "none":  resource limits and timeouts only; a submission can read what the grader's user can.
"""

import ctypes
import ctypes.util
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC = 2, 4, 8
MS_BIND, MS_REC, MS_PRIVATE = 0x1000, 0x4000, 0x40000
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 36, 38
# Workers run as uids no account on a normal system uses: a block of UID_BLOCK per grading
# session, picked at random and checked unused, so two sessions never share (or kill) a uid.
UID_FIRST, UID_BLOCK, UID_BLOCKS = 200_000, 1024, 4000


def free_uid_block() -> int:
    import random

    busy = _uids_in_use()
    for _ in range(100):
        base = UID_FIRST + UID_BLOCK * random.randrange(UID_BLOCKS)
        if not any(base <= uid < base + UID_BLOCK for uid in busy):
            return base
    raise OSError("no free block of worker uids")


def _uids_in_use() -> set[int]:
    uids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                uids.add(entry.stat().st_uid)
            except OSError:
                continue
    return uids


DESCRIPTIONS = {
    "root": (
        "root: each exercise runs in its own process as an unprivileged uid, with no network, "
        "private mounts hiding the solutions, hidden checks, tests, other submissions and the "
        "output folder, and limits on time, memory, processes and file size"
    ),
    "uid": (
        "uid: each exercise runs in its own process as an unprivileged uid, with limits on "
        "time, memory, processes and file size, so it cannot signal or trace the grader; but "
        "this machine allows no private mounts, so it CAN READ files that every user may read "
        "(a world-readable solutions/ included) and it has the network"
    ),
    "bwrap": (
        "bubblewrap: each exercise runs in its own process with no network and private mounts "
        "hiding the solutions, hidden checks, tests, other submissions and the output folder, "
        "with limits on time, memory and file size; it shares the grader's uid"
    ),
    "none": (
        "none: each exercise runs in its own process with limits on time, memory and file "
        "size, but it CAN READ every file the grader's user can, including the solutions and "
        "hidden checks; run as root or install bubblewrap to close that"
    ),
}


@dataclass(frozen=True)
class Limits:
    time_s: float = 20.0
    memory_mb: int = 1024
    processes: int = 64
    file_mb: int = 16
    open_files: int = 256


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _bwrap_works() -> bool:
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return False
    probe = [bwrap, "--dev-bind", "/", "/", "--unshare-net", "--", sys.executable, "-c", "0"]
    return subprocess.run(probe, capture_output=True, timeout=30, check=False).returncode == 0


def detect_mode() -> str:
    if os.geteuid() == 0 and sys.platform == "linux":
        probe = [sys.executable, "-c", _ROOT_PROBE]
        if subprocess.run(probe, capture_output=True, timeout=30, check=False).returncode == 0:
            return "root"
    if sys.platform == "linux" and _bwrap_works():
        return "bwrap"
    if os.geteuid() == 0 and sys.platform == "linux":
        return "uid"  # root, but no namespaces (a container): separate uids still work
    return "none"


# Modes in which each worker gets a uid of its own.
OWN_UIDS = ("root", "uid")


_ROOT_PROBE = (
    "import ctypes,ctypes.util;l=ctypes.CDLL(ctypes.util.find_library('c'),use_errno=True);"
    f"raise SystemExit(l.unshare({CLONE_NEWNS | CLONE_NEWNET}))"
)


def _needed_by_python(path: Path, keep: list[Path]) -> bool:
    return any(k == path or path in k.parents for k in keep)


def _blocked_ancestor(keep: list[Path]) -> Path | None:
    """The highest folder that other users cannot pass through on the way to a kept path."""
    for path in sorted(
        {a for k in keep for a in k.parents if a != Path("/")}, key=lambda p: len(p.parts)
    ):
        if path.is_dir() and not path.stat().st_mode & 0o001 and path not in keep:
            return path
    return None


def _open_the_way(libc: ctypes.CDLL, keep: list[Path]) -> None:
    """Let an unprivileged worker reach Python and the kit when they sit under, say, /root (0700).

    Inside our private mount namespace, the closed folder is replaced by an empty tmpfs that
    others may pass through, and only the kept folders under it are bound back in. Everything
    else that was in it stays out of sight.
    """
    for _ in range(8):
        blocked = _blocked_ancestor(keep)
        if blocked is None:
            return
        children = sorted(
            {blocked / k.relative_to(blocked).parts[0] for k in keep if blocked in k.parents}
        )
        staging = Path(tempfile.mkdtemp(prefix="docchat-bind-"))
        held = []
        for index, child in enumerate(children):
            spot = staging / str(index)
            spot.mkdir()
            _check(
                libc.mount(str(child).encode(), str(spot).encode(), None, MS_BIND | MS_REC, None),
                str(child),
            )
            held.append((child, spot))
        _check(
            libc.mount(
                b"tmpfs", str(blocked).encode(), b"tmpfs", MS_NOSUID | MS_NODEV, b"size=1m,mode=755"
            ),
            str(blocked),
        )
        for child, spot in held:
            child.mkdir(parents=True, exist_ok=True)
            _check(
                libc.mount(str(spot).encode(), str(child).encode(), None, MS_BIND | MS_REC, None),
                str(child),
            )
            libc.umount2(str(spot).encode(), MNT_DETACH)


def enter_private_namespaces(hide: list[str], keep: list[str]) -> list[str]:
    """Root mode, in the fork server: own mounts and network; cover `hide` with empty tmpfs.

    World-writable scratch folders get small private tmpfs mounts too, unless something the
    workers need (Python, the kit) lives under them. Returns the folders actually covered.
    """
    libc = _libc()
    _check(libc.unshare(CLONE_NEWNS | CLONE_NEWNET), "unshare")
    # Make every mount private first, or our tmpfs mounts would leak to the host.
    _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate")
    keep_paths = [Path(p).resolve() for p in keep if Path(p).exists()]
    _open_the_way(libc, keep_paths)
    covered: list[str] = []
    for scratch in ("/tmp", "/var/tmp", "/dev/shm"):
        path = Path(scratch)
        if path.is_dir() and not _needed_by_python(path, keep_paths):
            flags = MS_NOSUID | MS_NODEV
            _check(
                libc.mount(b"tmpfs", scratch.encode(), b"tmpfs", flags, b"size=256m,mode=1777"),
                scratch,
            )
            covered.append(scratch)
    for folder in hide:
        path = Path(folder).resolve()
        # Never cover a folder that holds Python or the kit: the workers would stop working.
        if path.is_dir() and not _needed_by_python(path, keep_paths):
            opts = b"size=64k,mode=000"
            _check(
                libc.mount(
                    b"tmpfs", str(path).encode(), b"tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts
                ),
                str(path),
            )
            covered.append(str(path))
    return covered


def become_worker(uid: int | None, limits: Limits) -> None:
    """In a freshly forked worker: die with the server, shed privileges, then cap resources."""
    libc = _libc()
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    os.setsid()  # its own process group, so the whole group can be killed at once
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    memory = limits.memory_mb * 1024 * 1024
    cpu = int(limits.time_s) + 2
    file_size = limits.file_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # RLIMIT_NPROC counts every process of the real uid: with a uid of its own, the worker gets
    # `processes`; sharing the grader's uid, it gets that many more than the user already runs.
    cap = limits.processes if uid is not None else _count_processes(os.getuid()) + limits.processes
    resource.setrlimit(resource.RLIMIT_NPROC, (cap, cap))
    # Writing past the file-size limit should fail the write, not kill the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def sweep_uid(uid: int) -> None:
    """Kill every process running as `uid` (a fork bomb's children included)."""
    for _ in range(20):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            try:
                os.setuid(uid)
                os.kill(-1, signal.SIGKILL)  # as `uid`: every process of that uid but this one
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        if not _uid_has_processes(uid):
            return


def _count_processes(uid: int) -> int:
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                count += entry.stat().st_uid == uid
            except OSError:
                continue
    return count


def _uid_has_processes(uid: int) -> bool:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid != uid:
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z":  # a zombie is already dead; its parent reaps it
            return True
    return False


def become_subreaper() -> None:
    """Orphans of killed workers are re-parented to us, so we can reap them."""
    _libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
