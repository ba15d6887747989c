"""Run a stage's checks on a snapshot of the learner's package, edited into a wrong answer."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from docchat_lab.grading.manifest import find
from docchat_lab.grading.runner import ExerciseResult, run_exercise
from docchat_lab.grading.sandbox import Sandbox
from docchat_lab.stages import package


@dataclass(frozen=True)
class Edit:
    """In `file` (relative to the package), `old` becomes `new`; `old` must be there."""

    file: str
    old: str
    new: str


def snapshot_files(stage: int, *edits: Edit) -> dict[str, bytes]:
    """The package at `stage`, as a check's worker receives it, with the edits made."""
    files = package.snapshot(stage)
    for edit in edits:
        assert edit.old in files[edit.file], f"{edit.file}: {edit.old!r} is no longer there"
        files[edit.file] = files[edit.file].replace(edit.old, edit.new, 1)
    return {f"{package.LEARNER}/{relative}": text.encode() for relative, text in files.items()}


@contextmanager
def stage_sandbox(*stages: str) -> Iterator[Sandbox]:
    with Sandbox([find(stage).slug for stage in stages], mode="auto") as sandbox:
        yield sandbox


def run_stage(sandbox: Sandbox, stage: str, files: dict[str, bytes]) -> ExerciseResult:
    result = run_exercise(sandbox, find(stage), files)
    assert result.status == "ok", result.detail
    return result


def failures(result: ExerciseResult) -> dict[str, str]:
    """Each failing check's message, by check name."""
    return {check.name: check.message for check in result.checks if not check.passed}


def assert_fails_exactly(result: ExerciseResult, expected: set[str], says: str) -> None:
    """Only the expected checks fail, each with a hint and a message holding `says`."""
    failed = failures(result)
    assert set(failed) == expected, failed
    for check in result.checks:
        if not check.passed:
            assert says in check.message, (check.name, check.message)
            assert check.hint, f"{check.name} failed without a hint"
