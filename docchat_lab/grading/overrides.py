"""The instructor's overrides (overrides.toml): changes to one learner's unit, with a reason and
a name, that every regrade applies again on top of what the checks earned.

    [[override]]
    learner = "ada"
    unit = "ex03"
    points = 2            # or: score = 9 (replaces the score)
    reason = "The check misread a correct answer."
    by = "M. Hopper"
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docchat_lab.grading.course import CourseError, read_toml
from docchat_lab.grading.manifest import find


@dataclass(frozen=True)
class OverrideEntry:
    learner: str
    unit: str
    reason: str
    by: str
    points: float | None = None
    score: float | None = None


def load_overrides(path: Path) -> list[OverrideEntry]:
    data = read_toml(path, "overrides file")
    unknown = sorted(set(data) - {"override"})
    entries = data.get("override", [])
    if unknown or not isinstance(entries, list):
        raise CourseError(f"{path}: write each override as an [[override]] table")
    found: list[OverrideEntry] = []
    for n, entry in enumerate(entries, 1):
        checked = _entry(entry, f"{path.name}, override {n}")
        # Both would apply: a pasted-twice +2 would give +4.
        if checked in found:
            raise CourseError(
                f"{path.name}, override {n} repeats override {found.index(checked) + 1} "
                f"({checked.learner} {checked.unit}): remove one"
            )
        found.append(checked)
    return found


def _entry(entry: Any, where: str) -> OverrideEntry:
    if not isinstance(entry, dict):
        raise CourseError(f"{where} is not a table")
    allowed = {"learner", "unit", "points", "score", "reason", "by"}
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise CourseError(f"{where}: unknown key {', '.join(unknown)}")
    for key in ("learner", "unit", "reason", "by"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise CourseError(f"{where}: {key} is required (who, which unit, why, and by whom)")
    try:
        unit = find(entry["unit"])
    except KeyError as exc:
        raise CourseError(f"{where}: {exc.args[0]}") from None
    if ("points" in entry) == ("score" in entry):
        raise CourseError(f"{where}: give either points (added) or score (the new score)")
    key = "points" if "points" in entry else "score"
    value = entry[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CourseError(f"{where}: {key} must be a number, not {value!r}")
    limit = unit.points
    if (key == "score" and not 0 <= value <= limit) or abs(value) > limit:
        raise CourseError(
            f"{where}: {key} {value:g} is out of range for {unit.id} (0 to {limit:g})"
        )
    return OverrideEntry(
        learner=entry["learner"].strip(),
        unit=unit.id,
        reason=entry["reason"].strip(),
        by=entry["by"].strip(),
        points=float(value) if key == "points" else None,
        score=float(value) if key == "score" else None,
    )
