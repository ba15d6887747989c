"""The threat model as data: each hostile submission, what it deserves in each mode, and where it
is not run (with the reason). Shared by the class tests and the README's threat table."""

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from docchat_lab.grading import isolation, rootfs, run_memory

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).parent / "adversarial"
MODES = ("root", "bwrap", "uid", "none")
ALL = MODES
CONTAINED = ("root", "bwrap", "uid")  # a uid of its own, or namespaces: its own processes only
NAMESPACES = ("root", "bwrap")
WHY = {
    "contained": (
        "none mode runs the submission as the grader's own user (root here): it could signal "
        "or fork-bomb everything that user runs"
    ),
    "namespaces": (
        "without namespaces a run has no /tmp, /dev/shm, network or IPC of its own: it would "
        "fill, or talk through, this machine's"
    ),
    "writes": "in none mode a run can write whatever the grader's user can write",
    "memory": (
        "in none mode a run has the grader's uid, root here, and root may read any process's "
        "memory (as another user a run is not dumpable, and cannot)"
    ),
}


@dataclass(frozen=True)
class Threat:
    name: str
    exercise: str  # the exercise it attacks; it submits the reference answer of ex03 beside it
    scores: dict[str, float]  # mode -> score deserved there
    status: str = "ok"
    statuses: dict[str, str] = field(default_factory=dict)  # mode -> status, where not `status`
    at_most: bool = False  # the score is a bound (a lottery the judge keeps small), not exact
    why_not: dict[str, str] = field(default_factory=dict)  # mode -> why it is not run there


def world_readable(path: Path) -> bool:
    """Whether a user with no rights of its own could read `path` (as a uid-mode run)."""
    try:
        folders_open = all(p.stat().st_mode & 0o001 for p in path.parents)
        return folders_open and bool(path.stat().st_mode & 0o004)
    except OSError:
        return False


# Without private mounts, a run of another uid reads what every user may read: this checkout's
# solutions/, if its folders let it.
UID_READS_ANSWERS = 10 if world_readable(ROOT / "solutions" / "ex01_dependencies.py") else 0


# A run's processes share its memory limit where the fork server can make memory cgroups: as
# root, outside bwrap (which shows it no /sys).
SHARED_MEMORY = ("root", "uid", "none") if run_memory.available() else ()


def _everywhere(score: float) -> dict[str, float]:
    return dict.fromkeys(ALL, score)


def _only(modes: tuple[str, ...], score: float) -> dict[str, float]:
    return dict.fromkeys(modes, score)


def _skip(modes: tuple[str, ...], reason: str) -> dict[str, str]:
    return {m: WHY[reason] for m in ALL if m not in modes}


THREATS = [
    Threat("eq_always_true", "ex01", _everywhere(3.33)),  # 3 of 8 public checks, 0 of 1 hidden
    Threat("fake_testclient", "ex01", _everywhere(0)),
    Threat("patch_the_runner", "ex01", _everywhere(0)),
    Threat("print_fake_results", "ex01", _everywhere(0), "crashed"),
    Threat("loop_forever", "ex01", _everywhere(0), "timeout"),
    Threat("loop_in_request", "ex01", _everywhere(0), "timeout"),
    Threat("eat_memory", "ex01", _everywhere(0), "memory"),
    Threat(
        "memory_in_children",
        "ex01",
        {m: 0 if m in SHARED_MEMORY else 10 for m in ALL},
        statuses=dict.fromkeys(SHARED_MEMORY, "memory"),  # the report says why
    ),
    Threat("exit_the_process", "ex01", _everywhere(0), "crashed"),
    Threat("syntax_error", "ex01", _everywhere(0)),
    Threat("huge_output", "ex01", _everywhere(10)),
    Threat("huge_messages", "ex01", _everywhere(0)),
    Threat("output_tricks", "ex01", _everywhere(10)),
    Threat("costly_frames", "ex01", _everywhere(0), "crashed"),
    Threat("costly_strings", "ex01", _everywhere(0)),
    Threat("lone_surrogates", "ex01", _everywhere(0)),
    Threat("blame_the_grader", "ex01", _everywhere(0), "memory"),
    Threat("malformed_hello", "ex01", _everywhere(0), "crashed"),
    Threat("setsid_escape", "ex01", _everywhere(0)),
    # Reads every copy of the answers it can reach: only an allowlist stops it.
    Threat(
        "read_the_answers", "ex01", {"root": 0, "bwrap": 0, "uid": UID_READS_ANSWERS, "none": 10}
    ),
    Threat("kill_everything", "ex01", _only(CONTAINED, 0), why_not=_skip(CONTAINED, "contained")),
    Threat("fork_bomb", "ex01", _only(CONTAINED, 0), why_not=_skip(CONTAINED, "contained")),
    Threat("network_and_writes", "ex01", _only(CONTAINED, 0), why_not=_skip(CONTAINED, "writes")),
    Threat("fill_the_disk", "ex01", _only(NAMESPACES, 10), why_not=_skip(NAMESPACES, "namespaces")),
    Threat("talk_a_sender", "ex01", _only(NAMESPACES, 10), why_not=_skip(NAMESPACES, "namespaces")),
    Threat(
        "talk_b_receiver", "ex01", _only(NAMESPACES, 0), why_not=_skip(NAMESPACES, "namespaces")
    ),
    Threat("walk_the_stack", "ex08", _everywhere(0)),
    Threat(
        "read_other_processes",
        "ex08",
        _only(CONTAINED, 10 / 6),  # its tests send requests and pass: that check, no bug
        at_most=True,
        why_not=_skip(CONTAINED, "memory"),
    ),
    Threat("forge_probe_answers", "ex08", _everywhere(0)),
    Threat("leave_one_out", "ex08", _everywhere(10 / 6), at_most=True),
]
BY_NAME = {t.name: t for t in THREATS}


def unavailable(mode: str) -> str:
    """Why `mode` cannot run on this machine, or "" when it can."""
    if mode == "root":
        if os.geteuid() != 0:
            return "root mode needs the tests to run as root"
        if isolation.detect_mode() != "root":
            return "root mode needs namespaces, which this machine does not allow"
    if mode == "bwrap":
        if not shutil.which("bwrap"):
            return "bubblewrap is not installed"
        if not isolation._bwrap_works():
            return "bubblewrap is installed but cannot make namespaces here"
        if not rootfs.can_pivot() and os.geteuid() == 0:
            return "bwrap as root is tested on x86_64 and aarch64 only"
    if mode == "uid" and os.geteuid() != 0:
        return "uid mode needs the tests to run as root"
    return ""


NOT_HERE = {
    "bwrap-unprivileged": (
        "bwrap as another user than root: the tests run as root here, and the Python they use "
        "lives where no other user may read it"
    ),
}
