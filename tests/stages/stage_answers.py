"""Wrong answers to a stage, as edits of the reference's snapshot of that stage.

Each must fail exactly the listed checks, each with a message that says what went wrong; the
snapshot itself must pass every check, and the snapshot of the stage before must fail them all
as "not written yet".
"""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from docchat_lab.grading.manifest import find
from docchat_lab.grading.runner import ExerciseResult, run_exercise
from docchat_lab.grading.sandbox import Sandbox
from docchat_lab.stages import package


@dataclass(frozen=True)
class StageAnswer:
    mistake: str
    file: str  # relative to the package: "api/deps.py"
    old: str  # text of the reference at this stage ...
    new: str  # ... replaced by this
    fails: frozenset[str]
    says: str  # every reported failure's message contains this


def wrong(mistake: str, file: str, old: str, new: str, fails: set[str], says: str) -> StageAnswer:
    return StageAnswer(mistake, file, old, new, frozenset(fails), says)


def package_files(stage: int, answer: StageAnswer | None = None) -> dict[str, bytes]:
    """The package at `stage` as a submission's files, with the answer's edit applied."""
    texts = package.snapshot(stage)
    if answer is not None:
        text = texts[answer.file]
        assert answer.old in text, f"{answer.old!r} is no longer in {answer.file}"
        texts[answer.file] = text.replace(answer.old, answer.new)
    return {f"{package.LEARNER}/{path}": text.encode() for path, text in texts.items()}


def run_stage(
    sandbox: Sandbox, stage: int, at: int, answer: StageAnswer | None = None
) -> ExerciseResult:
    """Stage `stage`'s checks on the package as it stands at stage `at` (plus the edit)."""
    return run_exercise(sandbox, find(str(stage)), package_files(at, answer))


def failures(result: ExerciseResult) -> str:
    return "\n".join(f"{c.name}: [{c.kind}] {c.message}" for c in result.checks if not c.passed)


def assert_fails_as_said(result: ExerciseResult, answer: StageAnswer) -> None:
    failed = {c.name for c in result.checks if not c.passed}
    assert failed == answer.fails, failures(result)
    for check in result.checks:
        if check.passed or check.kind == "not-checked":
            continue
        assert answer.says in check.message, check.message
        assert check.hint, f"{check.name} failed without a hint"


def assert_reference_passes(result: ExerciseResult) -> None:
    assert result.status == "ok", result.detail
    assert result.checks
    assert result.passed == len(result.checks), failures(result)


def assert_stub_not_written(result: ExerciseResult) -> None:
    assert result.status == "ok", result.detail
    assert result.passed == 0
    assert "not written yet" in result.checks[0].message, failures(result)
    assert all(c.kind in ("not-implemented", "not-checked") for c in result.checks)


@pytest.fixture(scope="module")
def stage_sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """One sandbox for a test module's stage (the module sets STAGE)."""
    with Sandbox([find(str(request.module.STAGE)).slug], mode="auto") as box:
        yield box
