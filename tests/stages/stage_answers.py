"""A stage's checks, run on the reference's snapshot of the learner's package or an edit of it."""

from dataclasses import dataclass

from docchat_lab.grading.manifest import find
from docchat_lab.grading.runner import ExerciseResult, run_exercise
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
