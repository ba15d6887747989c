"""A stage's checks, run on the reference's snapshot of the learner's package or an edit of it."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

import pytest

from docchat_lab.grading.manifest import find
from docchat_lab.grading.results import ExerciseResult
from docchat_lab.grading.runner import run_exercise
from docchat_lab.grading.sandbox import Sandbox
from docchat_lab.stages import package


@dataclass(frozen=True)
class WrongAnswer:
    """One realistic mistake: `old` in `file` of the stage's snapshot becomes `new`."""

    mistake: str
    file: str
    old: str
    new: str
    fails: frozenset[str]
    says: str  # each failing check's message contains this

    def __str__(self) -> str:
        return self.mistake


def wrong(mistake: str, file: str, old: str, new: str, fails: set[str], says: str) -> WrongAnswer:
    return WrongAnswer(mistake, file, old, new, frozenset(fails), says)


def snapshot_files(stage: int, edits: list[tuple[str, str, str]] | None = None) -> dict[str, bytes]:
    """The package at `stage` as a submission's files, each `(file, old, new)` edit made."""
    files = package.snapshot(stage)
    for relative, old, new in edits or []:
        assert old in files[relative], f"{old!r} is no longer in {relative}"
        files[relative] = files[relative].replace(old, new)
    return {f"{package.LEARNER}/{path}": text.encode() for path, text in files.items()}


def run_stage(sandbox: Sandbox, stage: int, files: dict[str, bytes]) -> ExerciseResult:
    return run_exercise(sandbox, find(str(stage)), files)


def failures(result: ExerciseResult) -> dict[str, str]:
    return {c.name: c.message for c in result.checks if not c.passed}


def expect_wrong_answer_caught(sandbox: Sandbox, stage: int, answer: WrongAnswer) -> None:
    files = snapshot_files(stage, [(answer.file, answer.old, answer.new)])
    failed = failures(run_stage(sandbox, stage, files))
    assert set(failed) == answer.fails, failed
    for name, message in failed.items():
        assert answer.says in message, (name, message)


class StageChecks:
    """What every stage's checks must do; a subclass names the stage, its harness and its checks.

    The stub fails as "not written yet", the reference passes at its stage and in the finished
    package; with wrong answers, each fails exactly the checks it should, saying why.
    """

    stage: ClassVar[int]
    harness: ClassVar[str]
    checks: ClassVar[int]  # how many checks the stage has: none may vanish unnoticed
    stub_says: ClassVar[str] = "not written yet"

    def test_the_stub_fails_as_not_written_yet(self, sandbox: Sandbox) -> None:
        result = run_stage(sandbox, self.stage, snapshot_files(self.stage - 1))
        assert result.passed == 0
        assert result.checks[0].message.startswith(self.stub_says), failures(result)
        assert {c.kind for c in result.checks} <= {"not-implemented", "not-checked"}
        assert len(result.checks) == self.checks

    def test_the_reference_passes_every_check(self, sandbox: Sandbox, at: int) -> None:
        result = run_stage(sandbox, self.stage, snapshot_files(at))
        assert result.status == "ok", result.detail
        assert failures(result) == {}
        assert len(result.checks) == self.checks


class StageChecksWithWrongAnswers(StageChecks):
    wrong: ClassVar[list[WrongAnswer]]

    def test_a_wrong_answer_fails_the_right_checks(
        self, sandbox: Sandbox, answer: WrongAnswer
    ) -> None:
        expect_wrong_answer_caught(sandbox, self.stage, answer)


def stage_sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """The sandbox of the requesting class's stage, kept for the whole class."""
    with Sandbox([request.cls.harness], mode="none") as box:
        yield box


def parametrize_stage_checks(metafunc: pytest.Metafunc) -> None:
    """`at`: the stage and the finished package (once when they are the same); `answer`: `wrong`."""
    cls = metafunc.cls
    if cls is None or not issubclass(cls, StageChecks):
        return
    if "at" in metafunc.fixturenames:
        stages = sorted({cls.stage, package.LAST_STAGE})
        metafunc.parametrize("at", stages, ids=[f"stage {s:02d}" for s in stages])
    if "answer" in metafunc.fixturenames and issubclass(cls, StageChecksWithWrongAnswers):
        metafunc.parametrize("answer", cls.wrong, ids=str)
