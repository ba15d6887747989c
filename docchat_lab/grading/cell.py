"""A gradebook cell beyond its checks: when the work was submitted and graded, how late it was,
and the instructor's overrides. The score the checks earned is adjusted in that order."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Late:
    due: str  # the learner's own deadline (ISO 8601), extension included
    days: int  # days late, every day started counting; 0 when on time
    percent: float  # taken off the score
    extended: bool = False


@dataclass
class Override:
    reason: str
    by: str
    points: float | None = None  # added to the score (negative takes off)
    score: float | None = None  # replaces the score


@dataclass
class CellRecord:
    run: int  # the grading run (grades.json "runs") that graded this cell
    graded_at: str
    submitted_at: str | None  # None when no time was known
    time_source: str  # "zip file times", "given by the instructor", or why there is none
    late: Late | None = None
    overrides: list[Override] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CellRecord":
        late = data.get("late")
        return cls(
            run=int(data["run"]),
            graded_at=str(data["graded_at"]),
            submitted_at=data.get("submitted_at"),
            time_source=str(data.get("time_source", "")),
            late=Late(**late) if isinstance(late, dict) else None,
            overrides=[Override(**o) for o in data.get("overrides", [])],
        )


def final_score(raw: float, points: float, record: CellRecord | None) -> float:
    """The late penalty first, then each override in turn; never below 0 or above the points."""
    score = raw
    if record is not None:
        if record.late is not None:
            score = score * (1 - record.late.percent / 100)
        for override in record.overrides:
            score = override.score if override.score is not None else score
            score += override.points or 0.0
    return round(min(max(score, 0.0), points), 2)


def describe(record: CellRecord | None) -> list[str]:
    """What changed the score, in sentences a learner can read."""
    if record is None:
        return []
    lines = []
    late = record.late
    if late is not None and late.days:
        when = f"submitted {shown_time(record.submitted_at)} ({record.time_source})"
        lost = f"{late.percent:g}% taken off" if late.percent else "no penalty"
        extended = " (with your extension)" if late.extended else ""
        day = "day" if late.days == 1 else "days"
        lines.append(
            f"Late: {when}, due {shown_time(late.due)}{extended}: {late.days} {day} late, {lost}."
        )
    elif late is not None and late.extended:
        lines.append(f"On time, with your extension to {shown_time(late.due)}.")
    for override in record.overrides:
        if override.score is not None:
            change = f"score set to {override.score:g}"
        else:
            change = f"{override.points:+g} points"
        lines.append(f"Adjusted by {override.by}: {change}. Reason: {override.reason}")
    return lines


def shown_time(moment: str | None) -> str:
    """An ISO time as `2026-03-16 23:59 +01:00`, for people."""
    if not moment:
        return "at an unknown time"
    day, _, rest = moment.partition("T")
    clock, offset = rest[:5], rest[8:] or ""
    offset = "UTC" if offset in ("Z", "+00:00") else offset
    return f"{day} {clock} {offset}".strip()
