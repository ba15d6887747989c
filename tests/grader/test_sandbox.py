"""What a run can see and do, asked from inside one: the allowlist, fresh scratch space per run,
no channel between runs, privileges dropped, every process ended with its run, and a fork
server that survives (or is replaced) whatever a run does."""

import base64
import contextlib
import ctypes
import ctypes.util
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from docchat_lab.grading.isolation import Limits, detect_mode
from docchat_lab.grading.manifest import find
from docchat_lab.grading.protocol import recv_frame, send_frame
from docchat_lab.grading.results import ExerciseResult
from docchat_lab.grading.runner import run_exercise
from docchat_lab.grading.sandbox import Sandbox
from tests.grader.threats import CORPUS, MODES, NOT_HERE, ROOT, unavailable

SLUG = "ex01_dependencies"
HONEST = (ROOT / "solutions" / f"{SLUG}.py").read_bytes()
PROBE = """
import json, os, sys
def ls(path):
    try:
        return sorted(os.listdir(path))
    except OSError as exc:
        return exc.strerror
def can_read(path):
    try:
        with open(path, "rb") as handle:
            return bool(handle.read(1)) or True
    except OSError:
        return False
def connects(host, port):
    import socket
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError as exc:
        return exc.strerror != "Network is unreachable"  # refused: the network is there
def writes(folder):
    try:
        with open(os.path.join(folder, "written-by-a-run"), "w") as handle:
            handle.write("x")
        return True
    except OSError:
        return False
def imports(name):
    try:
        __import__(name)
        return True
    except ImportError:
        return False
seen = {
    "uid": os.getuid(),
    "pid": os.getpid(),
    "procs": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "cap": [l.split()[1] for l in open("/proc/self/status") if l.startswith("CapEff")],
    "kit": ls(KIT),
    "lab": ls(os.path.join(KIT, "docchat_lab")),
    "readable": [p for p in PATHS if can_read(p)],
    "docchat": imports("docchat"),
    "checks": imports("docchat_lab.checks"),
    "tmp": ls(os.environ["TMPDIR"]),
    "shm": ls("/dev/shm"),
    "home": os.environ["HOME"],
    "extra": globals().get("EXTRA"),
    "network": [connects(h, p) for h, p in (("127.0.0.1", 22), ("1.1.1.1", 80))],
    "writable": [p for p in ("/", KIT, "/usr/lib", os.path.dirname(os.__file__)) if writes(p)],
}
sys.stdout.write("SEEN" + json.dumps(seen) + "\\n")
sys.stdout.flush()
"""


_SANDBOXES: dict[str, Sandbox] = {}


@pytest.fixture(scope="module", autouse=True)
def _close_sandboxes() -> Iterator[None]:
    yield
    for sandbox in _SANDBOXES.values():
        sandbox.close()


def _sandbox(mode: str) -> Sandbox:
    """One sandbox per mode for the whole module: starting one costs a second or two."""
    if mode == "auto":
        mode = detect_mode()
    if mode not in _SANDBOXES:
        _SANDBOXES[mode] = Sandbox([SLUG], mode=mode, limits=Limits(time_s=15))
        _SANDBOXES[mode].start()
    return _SANDBOXES[mode]


def _run_file(mode: str, source: str, slot: int = 1) -> str:
    """Load `source` as ex01 in a run of its own; what it printed."""
    handle = _sandbox(mode).spawn("worker", slot, args={"slug": SLUG})
    send_frame(handle.sock, {"files": {f"{SLUG}.py": base64.b64encode(source.encode()).decode()}})
    recv_frame(handle.sock, time.monotonic() + 30)
    return str(handle.close()["output"])


def _probe(mode: str, paths: list[str], extra: str = "") -> dict:
    output = _run_file(mode, f"KIT = {str(ROOT)!r}\nPATHS = {paths!r}\n{extra}\n{PROBE}")
    line = next(x for x in output.splitlines() if x.startswith("SEEN"))
    return json.loads(line.removeprefix("SEEN"))


def _available(mode: str) -> str:
    if reason := unavailable(mode):
        pytest.skip(reason)
    return mode


@pytest.fixture(params=["root", "bwrap"])
def namespaced(request: pytest.FixtureRequest) -> str:
    return _available(request.param)


def test_a_run_sees_only_the_allowlist(namespaced: str, tmp_path: Path) -> None:
    planted = tmp_path / "elsewhere.txt"
    planted.write_text("a file of the host's /tmp")
    secrets = [
        ROOT / "solutions" / f"{SLUG}.py",
        ROOT / ".git",
        ROOT / "tests" / "grader" / "test_sandbox.py",
        ROOT / "docchat_lab" / "checks" / f"{SLUG}.py",
        ROOT / "docchat" / "main.py",
        planted,
        Path("/etc/passwd"),
        Path("/proc/1/root/etc/hostname"),
    ]
    seen = _probe(namespaced, [str(p) for p in secrets])
    assert seen["readable"] == []
    assert "docchat_lab" in seen["kit"]
    assert not {"solutions", ".git", "tests", "docchat", "exercises", "bench"} & set(seen["kit"])
    assert seen["lab"] == ["__init__.py", "grading", "harness"]
    assert (seen["docchat"], seen["checks"]) == (False, False)
    assert seen["procs"] == [1], "a run sees its own processes, and no other"
    assert seen["pid"] == 1
    assert seen["uid"] != 0
    assert seen["cap"] == ["0000000000000000"]
    assert seen["network"] == [False, False], "no network at all, not even loopback"
    assert seen["writable"] == []


def test_every_run_gets_fresh_scratch_space_and_ipc(namespaced: str) -> None:
    leave = """
import ctypes, ctypes.util, os
EXTRA = {"tmp": os.listdir(os.environ["TMPDIR"]), "shm": os.listdir("/dev/shm")}
EXTRA["home"] = os.listdir(os.environ["HOME"])
libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
EXTRA["ipc"] = libc.shmget(0xD0C6, 0, 0)  # -1: no segment with this key
EXTRA["made"] = libc.shmget(0xD0C6, 64, 0o1000 | 0o666)
for folder in (os.environ["TMPDIR"], "/dev/shm", os.environ["HOME"]):
    open(os.path.join(folder, "left-behind"), "w").write("x")
"""
    first = _probe(namespaced, [], leave)
    second = _probe(namespaced, [], leave)
    for seen in (first, second):
        assert seen["extra"]["made"] >= 0, "the segment could be made: the test tests something"
        assert seen["extra"]["ipc"] == -1
        assert seen["extra"]["tmp"] == seen["extra"]["shm"] == []
        assert seen["extra"]["home"] == [f"{SLUG}.py"]


def _grade_together(mode: str, files: list[bytes]) -> list[ExerciseResult]:
    """Runs of ex01, all started at the same moment, as a class would have them."""
    exercise = find("ex01")
    results: list[ExerciseResult] = [ExerciseResult("ex01", SLUG, 10)] * len(files)
    sandbox = _sandbox(mode)

    def one(index: int) -> None:
        results[index] = run_exercise(sandbox, exercise, {f"{SLUG}.py": files[index]}, slot=index)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(files))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _forget_covert_channels() -> None:
    for path in ("/tmp/docchat-covert", "/dev/shm/docchat-covert"):
        with contextlib.suppress(OSError):
            Path(path).unlink()
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    segment = libc.shmget(0xD0C5, 0, 0)
    if segment >= 0:
        libc.shmctl(segment, 0, None)  # IPC_RMID


@pytest.mark.parametrize("mode", MODES)
def test_two_runs_at_the_same_time_cannot_pass_an_answer(mode: str) -> None:
    """Where runs share the machine's /tmp, /dev/shm, network and IPC (uid, none), the answer
    gets through: the channel is real, and only namespaces close it."""
    _available(mode)
    honest = base64.b64encode(HONEST).decode()
    sender = (CORPUS / "talk_a_sender.py").read_text().replace("__HONEST__", honest)
    receiver = (CORPUS / "talk_b_receiver.py").read_bytes()
    _forget_covert_channels()
    try:
        sent, received = _grade_together(mode, [sender.encode(), receiver])
    finally:
        _forget_covert_channels()
    assert sent.score == 10
    assert received.score == (0 if mode in ("root", "bwrap") else 10)


@pytest.mark.parametrize("mode", MODES)
def test_every_process_a_run_started_ends_with_it(mode: str) -> None:
    """A grandchild in a session of its own, left sleeping: gone when the run is."""
    _available(mode)
    escape = """
import os, time
read_end, write_end = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.write(write_end, str(os.getpid()).encode())
        time.sleep(60)
        os._exit(0)
    os._exit(0)
grandchild = int(os.read(read_end, 32))
print("ESCAPED", grandchild, os.getuid(), flush=True)
"""
    with Sandbox([SLUG], mode=mode) as sandbox:
        handle = sandbox.spawn("worker", 2, args={"slug": SLUG})
        send_frame(
            handle.sock, {"files": {f"{SLUG}.py": base64.b64encode(escape.encode()).decode()}}
        )
        recv_frame(handle.sock, time.monotonic() + 30)
        report = handle.close()
    _, pid, uid = next(x for x in report["output"].splitlines() if x.startswith("ESCAPED")).split()
    if mode in ("root", "bwrap"):
        assert int(pid) == 3, "in a namespace of its own, the run numbers its processes from 1"
        assert not _processes_of(int(uid))
    else:
        state = _state(int(pid))
        assert state in ("", "Z"), f"the grandchild outlived its run (state {state})"


def _state(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""


def _processes_of(uid: int) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if (
                entry.name.isdigit()
                and entry.stat().st_uid == uid
                and _state(int(entry.name)) != "Z"
            ):
                found.append(entry.name)
    return found


def test_a_fork_server_that_dies_is_replaced_and_only_its_runs_are_lost() -> None:
    mode = "root" if not unavailable("root") else "none"
    exercise = find("ex01")
    with Sandbox([SLUG], mode=mode, limits=Limits(time_s=20)) as sandbox:
        handle = sandbox.spawn("worker", 0, args={"slug": SLUG})
        server = sandbox._servers["worker"]
        os.kill(server.process.pid, signal.SIGKILL)
        report = handle.exit_report(timeout=10)
        handle.sock.close()
        assert report.get("lost") is True
        result = run_exercise(sandbox, exercise, {f"{SLUG}.py": HONEST}, slot=1)
        assert (result.status, result.score) == ("ok", 10)
        assert sandbox.restarts == 1


def test_a_run_cannot_block_or_flood_the_fork_server(tmp_path: Path) -> None:
    """A FIFO and a /dev/zero link where output used to be read, and 24 MB of output."""
    mode = "root" if not unavailable("root") else "none"
    honest = base64.b64encode(HONEST).decode()
    tricks = (CORPUS / "output_tricks.py").read_text().replace("__HONEST__", honest)
    exercise = find("ex01")
    sandbox = _sandbox(mode)
    pid = sandbox._servers["worker"].process.pid
    restarts = sandbox.restarts
    started = time.monotonic()
    result = run_exercise(sandbox, exercise, {f"{SLUG}.py": tricks.encode()})
    assert (result.status, result.score) == ("ok", 10)
    output = _run_file(mode, 'print("z" * (1 << 24))')
    assert len(output) <= 2000
    assert time.monotonic() - started < 30
    assert sandbox.restarts == restarts
    assert sandbox._servers["worker"].process.pid == pid


def test_a_package_folder_is_written_as_a_tree_and_imported() -> None:
    package = {
        "my_docchat/__init__.py": b"from my_docchat.api.routes import ROUTES\nPage = ROUTES\n",
        "my_docchat/api/__init__.py": b"",
        "my_docchat/api/routes.py": b"ROUTES = ['/documents/']\n",
    }
    encoded = {name: base64.b64encode(data).decode() for name, data in package.items()}
    handle = _sandbox("auto").spawn("worker", 0, args={"slug": SLUG, "package": "my_docchat"})
    send_frame(handle.sock, {"files": encoded, "params": {}})
    hello = recv_frame(handle.sock, time.monotonic() + 30)
    handle.close()
    assert hello["load"] is None
    # Page came from the package; the names it did not define are missing, as for a file.
    assert "Page" not in hello["missing"]
    assert "pagination" in hello["missing"]


@pytest.mark.parametrize(
    "tree",
    [{"../escape.py": "x"}, {"/abs.py": "x"}, {"a/../../b.py": "x"}, {"pkg": "x", "pkg/a.py": "x"}],
    ids=["climbs", "absolute", "climbs-inside", "file-and-folder"],
)
def test_a_tree_that_climbs_out_is_refused_by_the_worker_too(tree: dict[str, str]) -> None:
    encoded = {name: base64.b64encode(data.encode()).decode() for name, data in tree.items()}
    handle = _sandbox("auto").spawn("worker", 0, args={"slug": SLUG})
    send_frame(handle.sock, {"files": encoded, "params": {}})
    hello = recv_frame(handle.sock, time.monotonic() + 30)
    handle.close()
    assert hello["load"]["kind"] == "files"


def test_expected_values_never_leave_the_judge() -> None:
    """Structural: a checks module's SECRETS stay out of what the worker is sent."""
    settings = find("ex07").params()
    assert {"masked_url", "db_password"} <= set(settings.secrets)
    assert not {"masked_url", "db_password"} & set(settings.inputs)
    assert settings.secrets["masked_url"] not in json.dumps(settings.inputs)
    testing = find("ex08").params()
    assert testing.inputs == {}, "no labels, no variants: nothing at all"


@pytest.mark.skip(reason=NOT_HERE["bwrap-unprivileged"])
def test_bwrap_as_another_user_keeps_its_uid_without_capabilities() -> None:
    """Runs where the grader is not root: see test_a_run_sees_only_the_allowlist."""


def test_a_test_set_that_never_ends_times_out_like_any_exercise() -> None:
    exercise = find("ex08")
    hangs = b'def test_hangs(client):\n    while True:\n        client.get("/documents/")\n'
    with Sandbox([exercise.slug], mode="auto", limits=Limits(time_s=2)) as sandbox:
        result = run_exercise(sandbox, exercise, {exercise.file: hangs})
    assert (result.status, result.score) == ("timeout", 0)
