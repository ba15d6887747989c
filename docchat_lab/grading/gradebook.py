"""The gradebook that lasts: grades.json read back, and a new run merged into it cell by cell.

A cell is one learner's unit. Regrading one learner, or one unit, replaces only the cells that
run graded; every other cell keeps its result, its record and the run it came from. Each run
is recorded: when, which kit and checks, which isolation, which hidden checks.
"""

import fcntl
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from docchat_lab.grading.cell import CellRecord
from docchat_lab.grading.grade import ClassResult, LearnerResult
from docchat_lab.grading.manifest import Exercise, graded_units, hidden_checks
from docchat_lab.grading.results import CheckResult, ExerciseResult

BOOK = "grades.json"
UNGRADED = "ungraded"


class GradebookError(ValueError):
    """grades.json exists but is not a gradebook this kit can read."""


@contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """One writer at a time: two runs merging at once would lose one of them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / ".gradebook.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load(out_dir: Path) -> ClassResult | None:
    """The gradebook in `out_dir`, or None when there is none yet."""
    path = out_dir / BOOK
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        units = [_unit(entry) for entry in data["exercises"]]
        learners = [
            LearnerResult(
                str(entry["learner"]),
                [str(n) for n in entry.get("notes", [])],
                [cell_from_dict(cell) for cell in entry["exercises"]],
                source=str(entry.get("source", "")),
                unreadable=str(entry.get("unreadable", "")),
            )
            for entry in data["learners"]
        ]
        runs = list(data.get("runs", []))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise GradebookError(
            f"{path} is not a gradebook this kit wrote ({type(exc).__name__}: {exc}); "
            "move it away or grade into another --out folder"
        ) from None
    last = runs[-1] if runs else {}
    return ClassResult(
        learners,
        units,
        str(data.get("isolation", last.get("isolation", ""))),
        [str(n) for n in data.get("notes", [])],
        float(last.get("seconds", 0.0)),
        int(last.get("jobs", 0)),
        runs=runs,
    )


def cell_from_dict(data: dict[str, Any]) -> ExerciseResult:
    known = {f.name for f in fields(CheckResult)}
    checks = [CheckResult(**{k: v for k, v in c.items() if k in known}) for c in data["checks"]]
    names = {f.name for f in fields(ExerciseResult)} - {"checks", "record"}
    record = data.get("record")
    return ExerciseResult(
        **{k: v for k, v in data.items() if k in names},
        checks=checks,
        record=CellRecord.from_dict(record) if isinstance(record, dict) else None,
    )


def _unit(entry: dict[str, Any]) -> Exercise:
    known = {e.id: e for e in graded_units()}
    if entry["id"] in known:
        return known[entry["id"]]
    # A unit the manifest no longer has (renamed, retired): kept as the gradebook knew it.
    return Exercise(entry["id"], entry["id"], str(entry["title"]), "", float(entry["points"]), "")


def merge(old: ClassResult | None, new: ClassResult, run: dict[str, Any]) -> ClassResult:
    """`new`'s cells over `old`'s; learners and units of both; the run appended to the record."""
    if old is None:
        old = ClassResult([], [], new.isolation, [], 0.0, 0)
    units = {u.id: u for u in old.exercises} | {u.id: u for u in new.exercises}
    order = {e.id: i for i, e in enumerate(graded_units())}
    ordered = sorted(units.values(), key=lambda u: (order.get(u.id, len(order)), u.id))
    cells: dict[str, dict[str, ExerciseResult]] = {}
    notes: dict[str, list[str]] = {}
    latest: dict[str, LearnerResult] = {}  # where the learner's newest submission came from
    for source in (old, new):
        for learner in source.learners:
            mine = cells.setdefault(learner.learner, {})
            mine.update({c.exercise: c for c in learner.exercises if c.status != UNGRADED})
            notes[learner.learner] = learner.notes
            latest[learner.learner] = learner
    learners = [
        LearnerResult(
            name,
            notes[name],
            [mine.get(u.id) or _ungraded(u) for u in ordered],
            source=latest[name].source,
            unreadable=latest[name].unreadable,
        )
        for name, mine in sorted(cells.items())
    ]
    return ClassResult(
        learners,
        ordered,
        new.isolation,
        new.notes,
        new.seconds,
        new.jobs,
        new.uid_base,
        runs=[*old.runs, run],
        mode=new.mode,
        server_restarts=new.server_restarts,
    )


def _ungraded(unit: Exercise) -> ExerciseResult:
    return ExerciseResult(unit.id, unit.slug, unit.points, status=UNGRADED, detail="not graded yet")


def run_record(
    result: ClassResult, number: int, now: datetime, hidden: Path | None
) -> dict[str, Any]:
    return {
        "run": number,
        "at": now.isoformat(timespec="seconds"),
        "kit_version": kit_version(),
        "checks_sha256": _digest(Path(__file__).resolve().parent.parent / "checks"),
        "isolation": result.isolation,
        "jobs": result.jobs,
        "seconds": round(result.seconds, 2),
        "units": [u.id for u in result.exercises],
        "learners": sorted(lr.learner for lr in result.learners),
        "hidden_checks": {
            u.id: [name for name, _fn in hidden_checks(hidden, u)] for u in result.exercises
        }
        if hidden is not None
        else {},
        "hidden_sha256": _digest(hidden) if hidden is not None else None,
    }


def kit_version() -> str:
    try:
        return version("docchat-lab")
    except PackageNotFoundError:
        return "unknown"


def _digest(folder: Path) -> str:
    """One hash over a folder's Python files: the same hash, the same checks."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
