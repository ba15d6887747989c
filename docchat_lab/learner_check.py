"""`check("ex03")`: run one exercise's checks on the learner's folder and show the feedback."""

import json
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

from docchat_lab import project
from docchat_lab.feedback import Feedback
from docchat_lab.grading.isolation import Limits
from docchat_lab.grading.manifest import Exercise, exercises, find
from docchat_lab.grading.runner import CheckResult, ExerciseResult, run_exercise
from docchat_lab.grading.sandbox import Sandbox


def run_checks(
    chosen: list[Exercise], folder: Path, *, mode: str = "none", limits: Limits | None = None
) -> list[ExerciseResult]:
    """Check the chosen exercises of one folder, each in its own worker process."""
    results = []
    with Sandbox([e.slug for e in chosen], mode=mode, limits=limits) as sandbox:
        for exercise in chosen:
            path = folder / exercise.file
            files = {exercise.file: path.read_bytes()} if path.is_file() else {}
            results.append(run_exercise(sandbox, exercise, files))
    return results


def unit_files(exercise: Exercise, folder: Path) -> list[Path]:
    """The files that make up one unit of the learner's work in `folder`."""
    return [folder / exercise.file]


def record_progress(chosen: list[Exercise], results: list[ExerciseResult], folder: Path) -> None:
    """Note each result in the lab's progress, when `folder` is the lab's own exercises."""
    from docchat_lab.progress import record

    if folder.resolve() != project.exercises_dir().resolve():
        return  # a copy somewhere else (a test, a grader): not the learner's progress
    for exercise, result in zip(chosen, results, strict=True):
        files = unit_files(exercise, folder)
        record(project.state_dir(), exercise.id, result.passed, len(result.checks), files)


def result_from_dict(data: dict[str, Any]) -> ExerciseResult:
    checks = [CheckResult(**c) for c in data.get("checks", [])]
    names = {f.name for f in fields(ExerciseResult)} - {"checks"}
    return ExerciseResult(**{k: v for k, v in data.items() if k in names}, checks=checks)


def check(name: str, folder: str | Path | None = None) -> Feedback:
    """Check one exercise in a fresh process, so edits count without restarting the kernel."""
    exercise = find(name)
    target = Path(folder) if folder is not None else project.exercises_dir()
    command = [
        sys.executable,
        "-m",
        "docchat_lab",
        "check",
        exercise.id,
        "--json",
        "--dir",
        str(target),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    try:
        data = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"the check could not run: {done.stderr.strip()[-500:]}") from None
    return Feedback(result_from_dict(data[0]), exercise.title)


def all_exercises() -> list[Exercise]:
    return list(exercises())
