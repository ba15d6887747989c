"""The isolation modes, the limits of a worker, and how a worker sheds its privileges.

- "root":  the fork server builds a root file system holding only what workers need (Python,
           the installed libraries, the few kit modules they run) and pivots into it. Each run
           gets its own PID, mount, network and IPC namespaces, a fresh /tmp, /dev/shm and
           work folder, and an unprivileged uid of its own, with resource limits.
- "bwrap": bubblewrap builds that same root. As root, workers still get their own uids; as
           another user they keep that user's uid, without capabilities.
- "uid":   root, but no namespaces (a container without CAP_SYS_ADMIN): own uids and limits,
           but the whole machine's world-readable files stay visible, and the network.
- "none":  limits and timeouts only; a worker can read whatever the grader's user can.
"""

import ctypes
import ctypes.util
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 4, 36, 38
# Workers run as uids no account on a normal system uses: a block per grading session, picked
# at random and checked unused, so two sessions never share a uid. Each slot (a run at a time)
# gets SLOT_UIDS of them: the learner's process, an app beside it, and the processes of a
# served-app run.
UID_FIRST, SLOT_UIDS, MAX_SLOTS, UID_BLOCKS = 200_000, 16, 256, 1000
UID_BLOCK = SLOT_UIDS * MAX_SLOTS

DESCRIPTIONS = {
    "root": (
        "root: each run is a process of its own, as an unprivileged uid of its own, in a root "
        "file system holding only Python, the installed libraries and the kit's worker modules, "
        "with its own process, network and IPC namespaces, a fresh /tmp and /dev/shm, and limits "
        "on time, memory, processes and file size"
    ),
    "bwrap": (
        "bubblewrap: each run is a process of its own in a root file system holding only "
        "Python, the installed libraries and the kit's worker modules, with its own process, "
        "network and IPC namespaces, a fresh /tmp and /dev/shm, no capabilities, and limits on "
        "time, memory, processes and file size"
    ),
    "uid": (
        "uid: each run is a process of its own, as an unprivileged uid of its own, with limits "
        "on time, memory, processes and file size, so it cannot signal or trace the grader; but "
        "this machine allows no namespaces, so it CAN READ files that every user may read "
        "(a world-readable solutions/ included) and it has the network"
    ),
    "none": (
        "none: each run is a process of its own with limits on time, memory and file size, and "
        "every process it starts is killed with it; but it CAN READ every file the grader's user "
        "can, including the solutions and hidden checks: run as root or install bubblewrap"
    ),
}
# Modes in which the fork server makes namespaces for every run.
NAMESPACED = ("root", "bwrap")


@dataclass(frozen=True)
class Limits:
    time_s: float = 20.0
    memory_mb: int = 1024
    processes: int = 64
    file_mb: int = 16
    open_files: int = 256


@cache
def libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def unshare(flags: int) -> None:
    check(libc().unshare(flags), "unshare")


def free_uid_block() -> int:
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


_ROOT_PROBE = (
    "import ctypes,ctypes.util;l=ctypes.CDLL(ctypes.util.find_library('c'),use_errno=True);"
    f"assert l.unshare({CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC})==0;"
    "assert l.mount(b'none',b'/',None,0x44000,None)==0;"
    "assert l.mount(b'tmpfs',b'/tmp',b'tmpfs',6,b'size=1m')==0"
)


def _bwrap_works() -> bool:
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return False
    probe = [bwrap, "--dev-bind", "/", "/", "--unshare-all", "--", sys.executable, "-c", "0"]
    if os.geteuid() != 0:
        probe[1:1] = ["--unshare-user", "--cap-add", "ALL"]
    return subprocess.run(probe, capture_output=True, timeout=30, check=False).returncode == 0


def detect_mode() -> str:
    from docchat_lab.grading import rootfs

    linux = sys.platform == "linux"
    if linux and os.geteuid() == 0 and rootfs.can_pivot():
        probe = [sys.executable, "-c", _ROOT_PROBE]
        if subprocess.run(probe, capture_output=True, timeout=30, check=False).returncode == 0:
            return "root"
    if linux and _bwrap_works():
        return "bwrap"
    if linux and os.geteuid() == 0:
        return "uid"  # root, but no namespaces (a container): separate uids still work
    return "none"


def uses_own_uids(mode: str) -> bool:
    """Root (directly, or under bubblewrap) can give each worker a uid of its own."""
    return mode in ("root", "uid") or (mode == "bwrap" and os.geteuid() == 0)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def drop_capabilities() -> None:
    """Give up every capability (a worker keeping the uid it has, in a user namespace)."""
    header = _CapHeader(0x20080522, 0)
    data = (_CapData * 2)()
    check(libc().capset(ctypes.byref(header), data), "capset")


def become_worker(uid: int | None, limits: Limits) -> None:
    """In a freshly forked worker: drop every privilege, then cap resources."""
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    elif os.geteuid() == 0 or _has_capabilities():
        drop_capabilities()
    libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    # Not dumpable: another run of the same uid (bwrap as a user, none) cannot read or trace
    # this one's memory (an app's variant, say) through /proc or ptrace.
    libc().prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
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


def _has_capabilities() -> bool:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("CapEff:"):
                return int(line.split()[1], 16) != 0
    except OSError:
        pass
    return False


def _count_processes(uid: int) -> int:
    count = 0
    try:
        entries = list(Path("/proc").iterdir())
    except OSError:
        return 0
    for entry in entries:
        if entry.name.isdigit():
            try:
                count += entry.stat().st_uid == uid
            except OSError:
                continue
    return count


def become_subreaper() -> None:
    """Orphans of a run's processes are re-parented to us, so none can slip away."""
    libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def die_with_parent() -> None:
    libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
