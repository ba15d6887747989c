"""The gradebook that lasts: grades.json read back, and a new run merged into it cell by cell.

A cell is one learner's unit. Regrading one learner, or one unit, replaces only the cells that
run graded; every other cell keeps its result, its record and the run it came from. Each run
is recorded: when, which kit and checks, which isolation, which hidden checks.
"""

import fcntl
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields, is_dataclass
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from math import isfinite
from pathlib import Path
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from docchat_lab.grading.cell import CellRecord
from docchat_lab.grading.grade import ClassResult, LearnerResult
from docchat_lab.grading.manifest import Exercise, graded_units, hidden_checks
from docchat_lab.grading.results import CheckResult, ExerciseResult

BOOK = "grades.json"
UNGRADED = "ungraded"
T = TypeVar("T")


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
    """The gradebook in `out_dir`, or None when there is none yet. All of it is checked here,
    so a hand-edited file is refused before grading, not halfway through writing a run."""
    path = out_dir / BOOK
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise _BookError("it is not a JSON object")
        units = [_at(f"exercises[{n}]", _unit, e) for n, e in enumerate(_list(data, "exercises"))]
        learners = [
            _at(f"learners[{n}]", _learner, e) for n, e in enumerate(_list(data, "learners"))
        ]
        runs = [_at(f"runs[{n}]", _run, e) for n, e in enumerate(_list(data, "runs", []))]
        last = runs[-1] if runs else {}
        return ClassResult(
            learners,
            units,
            str(data.get("isolation", last.get("isolation", ""))),
            [str(n) for n in _list(data, "notes", [])],
            float(last.get("seconds", 0.0)),
            int(last.get("jobs", 0)),
            runs=runs,
        )
    except _BookError as exc:
        problem = str(exc)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
    raise GradebookError(
        f"{path} is not a gradebook this kit can use ({problem}); "
        "fix it, move it away or grade into another --out folder"
    )


class _BookError(ValueError):
    """What is wrong in grades.json, and where."""


# What a run's record holds (run_record, and "course" from term.py); other keys are kept as is.
RUN_FIELDS: dict[str, Any] = {
    "run": int,
    "at": str,
    "kit_version": str,
    "checks_sha256": str,
    "isolation": str,
    "jobs": int,
    "seconds": float,
    "units": list[str],
    "learners": list[str],
    "hidden_checks": dict[str, list[str]],
    "hidden_sha256": str | None,
    "course": str | None,
}


def _at(where: str, read: Callable[[Any], T], entry: Any) -> T:
    try:
        return read(entry)
    except _BookError as exc:
        raise _BookError(f"{where}: {exc}") from None
    except KeyError as exc:
        raise _BookError(f"{where}: {exc.args[0]!r} is missing") from None
    except (ValueError, TypeError, AttributeError) as exc:
        raise _BookError(f"{where}: {exc}") from None


def _list(data: dict[str, Any], key: str, default: list[Any] | None = None) -> list[Any]:
    if default is None and key not in data:
        raise _BookError(f"{key!r} is missing")
    value = data.get(key, default)
    if not isinstance(value, list):
        raise _BookError(f"{key!r} is not a list")
    return value


def _learner(entry: dict[str, Any]) -> LearnerResult:
    _object(entry)
    return LearnerResult(
        str(entry["learner"]),
        [str(n) for n in _list(entry, "notes", [])],
        [
            _at(f"{entry['learner']}'s exercises[{n}]", _cell, c)
            for n, c in enumerate(_list(entry, "exercises"))
        ],
        source=str(entry.get("source", "")),
        unreadable=str(entry.get("unreadable", "")),
    )


def _object(entry: Any) -> None:
    if not isinstance(entry, dict):
        raise _BookError(f"{entry!r} is not an object")


def _cell(data: dict[str, Any]) -> ExerciseResult:
    _object(data)
    cell = cell_from_dict(data)
    _typed(cell)
    if "record" in data and data["record"] is not None and cell.record is None:
        raise _BookError("record is not an object")
    if cell.record is not None and cell.record.submitted_at is not None:
        moment = cell.record.submitted_at
        try:  # late days are counted from it, against a deadline with a timezone
            known = datetime.fromisoformat(moment).tzinfo is not None
        except ValueError:
            known = False
        if not known:
            raise _BookError(f"record: submitted_at {moment!r} is not a time with its UTC offset")
    return cell


def _run(entry: dict[str, Any]) -> dict[str, Any]:
    _object(entry)
    if "run" not in entry:
        raise _BookError("'run' (its number) is missing")
    for key, hint in RUN_FIELDS.items():
        if key in entry and not _fits(entry[key], hint):
            raise _BookError(f"{key} is {entry[key]!r}, not {_kind(hint)}")
    return entry


def _typed(item: Any, where: str = "") -> None:
    """Every field of a dataclass read back holds what its annotation says, nested ones too."""
    hints = get_type_hints(type(item))
    for f in fields(item):
        value, hint = getattr(item, f.name), hints[f.name]
        if not _fits(value, hint):
            raise _BookError(f"{where}{f.name} is {value!r}, not {_kind(hint)}")
        for n, inner in enumerate(value if isinstance(value, list) else [value]):
            if is_dataclass(inner):
                _typed(inner, f"{where}{f.name}{f'[{n}]' if isinstance(value, list) else ''}: ")


def _fits(value: Any, hint: Any) -> bool:
    args = get_args(hint)
    if get_origin(hint) in (Union, UnionType):
        return any(_fits(value, arg) for arg in args)
    if get_origin(hint) is list:
        return isinstance(value, list) and all(_fits(v, args[0]) for v in value)
    if get_origin(hint) is dict:
        return isinstance(value, dict) and all(
            _fits(k, args[0]) and _fits(v, args[1]) for k, v in value.items()
        )
    if hint is float:  # JSON writes 10.0 as 10; a score must be a finite number
        return isinstance(value, int | float) and not isinstance(value, bool) and isfinite(value)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _kind(hint: Any) -> str:
    if get_origin(hint) in (Union, UnionType):
        return " or ".join(_kind(arg) for arg in get_args(hint))
    names = {float: "a number", int: "a whole number", str: "text", bool: "true or false"}
    origin = get_origin(hint)
    if origin in (list, dict):
        return "a list" if origin is list else "an object"
    return names.get(hint, "null" if hint is type(None) else f"a {getattr(hint, '__name__', hint)}")


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
