"""Run one exercise's checks against one submission: spawn a worker, judge, always clean up."""

import base64
import dataclasses
import time
from typing import Any

from docchat_lab.grading.expect import declared
from docchat_lab.grading.isolation import Limits
from docchat_lab.grading.manifest import CheckFunction, Exercise
from docchat_lab.grading.prerequisites import NotCheckedError, blocker, explain
from docchat_lab.grading.protocol import (
    ChannelClosedError,
    ChannelTimeoutError,
    ProtocolError,
    recv_frame,
    send_frame,
)
from docchat_lab.grading.results import CheckResult, ExerciseResult, capped
from docchat_lab.grading.sandbox import Sandbox
from docchat_lab.grading.served import RunContext
from docchat_lab.grading.server_link import SandboxError, WorkerHandle
from docchat_lab.grading.subject import CheckFailedError, ExerciseAbortedError, Subject

# Why a whole exercise scored zero, in words a learner understands.
ABORTED = {
    "timeout": (
        "stopped after the time limit ({limit:.0f} s): "
        "an endless loop, or something waiting forever?"
    ),
    "memory": "stopped: it went over the memory limit ({memory} MB)",
    # No exit code or signal: a submission could exit with a byte of a hidden check's input.
    "crashed": "its process ended unexpectedly",
    "protocol": "its process wrote something that is not an answer on the grader's channel",
    "grader": "could not be graded: {detail}",
    "unreadable": "not graded: the submission could not be read ({detail})",
}
# When the kernel stopped a process of the run, not the run: what it passed still counts.
OVER_MEMORY = (
    "went over its memory limit ({memory} MB, for all its processes together), and the "
    "process holding the most was stopped; the checks passed before still count"
)


def _load_failure(exercise: Exercise, hello: dict[str, Any]) -> CheckFailedError | None:
    load = hello.get("load")
    if isinstance(load, dict):
        kind = str(load.get("kind", "import"))
        message = str(load.get("message", ""))[:300]
        line = f" on line {load['line']}" if load.get("line") else ""
        if kind == "syntax":
            return CheckFailedError(
                f"{exercise.file} has a syntax error{line}: {message}", kind="syntax"
            )
        if kind == "no-file":
            return CheckFailedError(
                f"MISSING FILE {exercise.file}: copy it from exercises/", kind="missing"
            )
        if kind == "not-implemented":
            return CheckFailedError(
                f"not done yet: importing {exercise.file} raised NotImplementedError{line}",
                kind="not-implemented",
            )
        if kind == "files":
            return CheckFailedError(f"your files could not be set up: {message}", kind="error")
        return CheckFailedError(
            f"importing {exercise.file} failed{line}: {load.get('type')}: {message}", kind="import"
        )
    missing = hello.get("missing") or []
    if missing:
        names = ", ".join(str(m) for m in missing[:5])
        return CheckFailedError(
            f"MISSING FUNCTION {names} in {exercise.file}: keep the names from the exercise",
            kind="missing",
        )
    return None


def _unwritten(exercise: Exercise, files: dict[str, bytes]) -> CheckFailedError | None:
    """A stage whose own definitions are still stubs: said once, judged from the files."""
    if exercise.package is None:
        return None
    from docchat_lab.stages.workspace import by_file, stubs_left

    def read(relative: str) -> str:
        return files.get(f"{exercise.package}/{relative}", b"").decode("utf-8", "replace")

    left = stubs_left(exercise.number, read)
    if not left:
        return None
    grouped = by_file(left).items()
    names = "; ".join(f"{', '.join(n)} in {exercise.package}/{f}" for f, n in grouped)
    return CheckFailedError(f"not written yet: {names}", kind="not-implemented")


def run_exercise(
    sandbox: Sandbox,
    exercise: Exercise,
    files: dict[str, bytes],
    *,
    slot: int = 0,
    limits: Limits | None = None,
    hidden: list[tuple[str, CheckFunction]] | None = None,
) -> ExerciseResult:
    """Grade one exercise of one submission. Never raises for anything the submission does."""
    limits = limits or sandbox.limits
    if exercise.min_time_s > limits.time_s:
        limits = dataclasses.replace(limits, time_s=exercise.min_time_s)
    started = time.monotonic()
    result = ExerciseResult(exercise.id, exercise.slug, exercise.points)
    checks = [(name, fn, False) for name, fn in exercise.checks()]
    checks += [(name, fn, True) for name, fn in hidden or []]
    params = exercise.params()
    handle: WorkerHandle | None = None
    aborted: ExerciseAbortedError | None = None
    report: dict[str, Any] = {}
    try:
        deadline = started + limits.time_s
        hello: dict[str, Any] = {"op": "hello", "load": None, "missing": []}
        if not files:
            # Nothing to load: no process needed to say so.
            hello["load"] = {"kind": "no-file"}
        elif exercise.needs_main_process():
            handle = sandbox.spawn("worker", slot, args={"slug": exercise.slug}, limits=limits)
            # Only the inputs go to the learner's process; the secrets stay here.
            hello = _start(handle, files, params.inputs, deadline)
        failure = _load_failure(exercise, hello) or _unwritten(exercise, files)
        context = RunContext(sandbox, slot, exercise.slug, files, params.inputs, limits)
        subject = Subject(handle, hello, {**params.inputs, **params.secrets}, deadline, context)
        for name, check, is_hidden in checks:
            outcome = _run_check(exercise, name, check, subject, failure, is_hidden, result.checks)
            outcome.weight, outcome.visibility = declared(check)
            result.checks.append(outcome)
    except ExerciseAbortedError as exc:
        aborted = exc
    except SandboxError as exc:
        aborted = ExerciseAbortedError("grader", str(exc))
    finally:
        if handle is not None:
            report = handle.close()
    if aborted is not None:
        _abort(result, aborted, report, limits, checks)
    elif report.get("oom_kills"):
        # The kernel killed a process of the run (a child, or the worker after its checks):
        # the points earned stand, and the report says the run went over its memory.
        result.status = "memory"
        result.detail = OVER_MEMORY.format(memory=limits.memory_mb)
    result.seconds = round(time.monotonic() - started, 3)
    return result


def _abort(
    result: ExerciseResult,
    aborted: ExerciseAbortedError,
    report: dict[str, Any],
    limits: Limits,
    checks: list[tuple[str, CheckFunction, bool]],
) -> None:
    """The whole exercise stopped: say why once, and fail every check that did not run."""
    kind = aborted.kind
    if kind == "crashed" and report.get("code") == 71:
        kind = "memory"
    result.status = kind if kind in ABORTED and kind != "protocol" else "crashed"
    result.detail = capped(
        ABORTED[kind if kind in ABORTED else "crashed"].format(
            limit=limits.time_s,
            memory=limits.memory_mb,
            detail=aborted.message,
        )
    )
    ran = {c.name for c in result.checks}
    for name, check, is_hidden in checks:
        if name not in ran:
            weight, visibility = declared(check)
            message = "not run: " + result.detail
            result.checks.append(
                CheckResult(
                    name,
                    False,
                    message,
                    result.status,
                    hidden=is_hidden,
                    weight=weight,
                    visibility=visibility,
                )
            )


def not_graded(exercise: Exercise, status: str, reason: str) -> ExerciseResult:
    """An exercise that was not run at all (an unreadable submission, a grader failure)."""
    result = ExerciseResult(exercise.id, exercise.slug, exercise.points)
    checks = [(name, fn, False) for name, fn in exercise.checks()]
    _abort(result, ExerciseAbortedError(status, reason), {}, Limits(), checks)
    return result


def _start(
    handle: WorkerHandle, files: dict[str, bytes], params: dict[str, Any], deadline: float
) -> dict[str, Any]:
    encoded = {name: base64.b64encode(data).decode() for name, data in files.items()}
    try:
        send_frame(handle.sock, {"files": encoded, "params": params})
        hello = recv_frame(handle.sock, deadline)
    except ChannelTimeoutError:
        raise ExerciseAbortedError("timeout", "loading the exercise took too long") from None
    except ChannelClosedError as exc:
        raise ExerciseAbortedError("crashed", f"the exercise's process stopped ({exc})") from None
    except ProtocolError as exc:
        raise ExerciseAbortedError("protocol", str(exc)) from None
    except OSError as exc:
        raise ExerciseAbortedError("crashed", f"the exercise's process stopped ({exc})") from None
    if hello.get("op") == "fatal":
        raise ExerciseAbortedError("memory", "the exercise ran out of memory")
    # Its shape is checked here: a hello the judge cannot read would be blamed on the grader.
    load, missing = hello.get("load"), hello.get("missing", [])
    shaped = (load is None or isinstance(load, dict)) and isinstance(missing, list)
    if hello.get("op") != "hello" or not shaped:
        raise ExerciseAbortedError("protocol", "the exercise's process sent something unexpected")
    return hello


def _run_check(
    exercise: Exercise,
    name: str,
    check: CheckFunction,
    subject: Subject,
    failure: CheckFailedError | None,
    hidden: bool,
    earlier: list[CheckResult],
) -> CheckResult:
    hint = "" if hidden else exercise.hint_for(name)
    try:
        if (blocked := blocker(exercise.file, check, failure, earlier)) is not None:
            raise blocked
        check(subject)
    except NotCheckedError as exc:
        return CheckResult(name, False, *explain(exc, earlier, hint, hidden), hidden)
    except CheckFailedError as exc:
        message = exc.message
        subject_of = getattr(check, "about", None)
        if subject_of and exc.kind in ("assertion", "error"):
            message = f"{subject_of}: {message}"
        message = "a hidden check failed" if hidden else message
        return CheckResult(name, False, message, exc.kind, exc.hint or hint, hidden)
    except ExerciseAbortedError:
        raise
    except Exception as exc:
        message = (
            "a hidden check failed"
            if hidden
            else f"the answer could not be checked ({type(exc).__name__}: {capped(str(exc), 300)})"
        )
        return CheckResult(name, False, message, "error", hint, hidden)
    return CheckResult(name, True, "", "", "", hidden)
