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
from docchat_lab.grading.results import CheckResult, ExerciseResult
from docchat_lab.grading.runner import run_exercise
from docchat_lab.grading.sandbox import Sandbox


def run_checks(
    chosen: list[Exercise], folder: Path, *, mode: str = "none", limits: Limits | None = None
) -> list[ExerciseResult]:
    """Check the chosen exercises of one folder, each in its own worker process."""
    results = []
    with Sandbox([e.slug for e in chosen], mode=mode, limits=limits) as sandbox:
        for exercise in chosen:
            results.append(run_exercise(sandbox, exercise, files_for(exercise, folder)))
    return results


def files_for(exercise: Exercise, folder: Path) -> dict[str, bytes]:
    """What a check sends to its worker: the exercise's file, or every file of the package."""
    if exercise.package is None:
        path = folder / exercise.file
        return {exercise.file: path.read_bytes()} if path.is_file() else {}
    return package_files(folder)


def package_files(root: Path, limit: int = 400) -> dict[str, bytes]:
    """The package's Python files by path (`my_docchat/api/deps.py`): no links, no caches."""
    files: dict[str, bytes] = {}
    if not root.is_dir():
        return files
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if path.is_symlink() or any(p.startswith((".", "__pycache__")) for p in relative.parts):
            continue
        files[f"{root.name}/{relative.as_posix()}"] = path.read_bytes()
        if len(files) >= limit:
            break
    return files


def unit_files(exercise: Exercise, folder: Path) -> list[Path]:
    """The files that make up one unit of the learner's work in `folder`."""
    if exercise.package is None:
        return [folder / exercise.file]
    from docchat_lab.stages import package

    return [folder / relative for relative in sorted(package.learner_files(exercise.number))]


def record_progress(chosen: list[Exercise], results: list[ExerciseResult], folder: Path) -> None:
    """Note each result in the lab's progress, when `folder` is the learner's own work."""
    from docchat_lab.progress import record

    for exercise, result in zip(chosen, results, strict=True):
        if folder.resolve() != default_folder(exercise).resolve():
            continue  # a copy somewhere else (a test, a grader): not the learner's progress
        files = unit_files(exercise, folder)
        record(project.state_dir(), exercise.id, result.passed, len(result.checks), files)


def result_from_dict(data: dict[str, Any]) -> ExerciseResult:
    checks = [CheckResult(**c) for c in data.get("checks", [])]
    names = {f.name for f in fields(ExerciseResult)} - {"checks"}
    return ExerciseResult(**{k: v for k, v in data.items() if k in names}, checks=checks)


def default_folder(exercise: Exercise) -> Path:
    """Where the learner writes: their package for a stage, `exercises/` for a drill."""
    if exercise.package is not None:
        from docchat_lab.stages import workspace

        return workspace.package_dir()
    return project.exercises_dir()


def with_earned_hints(exercise: Exercise, result: ExerciseResult) -> ExerciseResult:
    """The learner's view: hints only once a check has failed, one tier stronger each time."""
    from docchat_lab.stages import attempts

    attempts.apply_tiers(exercise, result.checks, attempts.record(exercise, result.checks))
    return result


def check(name: str, folder: str | Path | None = None) -> Feedback:
    """Check one stage in a fresh process, so edits count without restarting the kernel."""
    exercise = find(name)
    target = Path(folder) if folder is not None else default_folder(exercise)
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
    return Feedback(with_earned_hints(exercise, result_from_dict(data[0])), exercise.title)


def all_exercises() -> list[Exercise]:
    return list(exercises())
