"""A grading run, kept in the term's gradebook: stamp each graded cell with its submission time
and run, merge it into grades/, then apply the course's late policy, extensions and overrides
to every cell, so that an extension granted or an override added later counts on the next run.
"""

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from docchat_lab.grading.cell import CellRecord, Late, Override
from docchat_lab.grading.course import Course, CourseError, load_course
from docchat_lab.grading.grade import ClassResult
from docchat_lab.grading.gradebook import UNGRADED, load, locked, merge, run_record
from docchat_lab.grading.overrides import OverrideEntry, load_overrides
from docchat_lab.grading.reports import write_all
from docchat_lab.grading.submission_times import submission_times


@dataclass
class TermOptions:
    course: Course | None = None
    given: dict[str, datetime] = field(default_factory=dict)  # learner -> time
    everyone: datetime | None = None  # one time for every learner graded in this run
    hidden: Path | None = None
    # The course's overrides, read and checked before grading (None: read them when applied).
    overrides: list[OverrideEntry] | None = None


def record_run(
    result: ClassResult,
    out_dir: Path,
    submissions: Path,
    options: TermOptions,
    now: datetime | None = None,
) -> ClassResult:
    """Merge a grading run into the gradebook in `out_dir` and rewrite every report from it."""
    with locked(out_dir):
        old = load(out_dir)
        course = options.course or recorded_course(old)
        zone = course.timezone if course else ZoneInfo("UTC")
        now = (now or datetime.now(UTC)).astimezone(zone)
        number = int(old.runs[-1]["run"]) + 1 if old and old.runs else 1
        learners = [lr.learner for lr in result.learners]
        times = submission_times(submissions, learners, zone, options.given, options.everyone)
        for learner in result.learners:
            submitted = times[learner.learner]
            for cell in learner.exercises:
                cell.record = CellRecord(
                    run=number,
                    graded_at=now.isoformat(timespec="seconds"),
                    submitted_at=submitted.at.isoformat(timespec="seconds")
                    if submitted.at
                    else None,
                    time_source=submitted.source,
                )
        run = run_record(result, number, now, options.hidden)
        run["course"] = str(course.path.resolve()) if course else None
        merged = merge(old, result, run)
        loaded = options.overrides is not None and course is options.course
        apply_course(merged, course, options.overrides if loaded else None)
        write_all(merged, out_dir)
    return merged


def refresh(out_dir: Path, course: Course | None) -> ClassResult:
    """Apply the course file and overrides as they are now, and rewrite the reports."""
    with locked(out_dir):
        book = load(out_dir)
        if book is None:
            raise CourseError(f"no gradebook in {out_dir}: grade the class into it first")
        apply_course(book, course or recorded_course(book))
        write_all(book, out_dir)
    return book


def recorded_course(book: ClassResult | None) -> Course | None:
    """The course file the latest run used (None: no run used one)."""
    for run in reversed(book.runs if book else []):
        if run.get("course"):
            path = Path(run["course"])
            if not path.is_file():  # going on without it would drop every late day and override
                raise CourseError(
                    f"the course file {path} the last run used is gone: pass --course FILE"
                )
            return load_course(path)
    return None


def course_overrides(course: Course | None) -> list[OverrideEntry]:
    """The course's overrides, every entry checked (CourseError otherwise)."""
    return load_overrides(course.overrides) if course and course.overrides else []


def apply_course(
    book: ClassResult, course: Course | None, entries: list[OverrideEntry] | None = None
) -> None:
    """Late days and overrides on every graded cell; notes for what could not be applied."""
    entries = course_overrides(course) if entries is None else entries
    notes = [n for n in book.notes if not n.startswith(_TERM_NOTE)]
    applied: set[int] = set()
    for learner in book.learners:
        for cell in learner.exercises:
            if cell.record is None or cell.status == UNGRADED:
                continue
            cell.record.late = _late(course, learner.learner, cell.exercise, cell.record)
            mine = [
                (i, e)
                for i, e in enumerate(entries)
                if e.learner == learner.learner and e.unit == cell.exercise
            ]
            applied.update(i for i, _e in mine)
            cell.record.overrides = [_override(e) for _i, e in mine]
    notes += [
        f"{_TERM_NOTE}override for {e.learner} {e.unit} not applied: that cell is not graded"
        for i, e in enumerate(entries)
        if i not in applied
    ]
    if course is not None:
        on_roster = [entry.id for entry in course.learners]
        graded = {lr.learner for lr in book.learners}
        notes += [
            f"{_TERM_NOTE}{name} has grades but is not on the course's roster"
            for name in sorted(graded - set(on_roster))
        ]
        rank = {name: i for i, name in enumerate(on_roster)}
        book.learners.sort(key=lambda lr: (rank.get(lr.learner, len(rank)), lr.learner))
    book.notes = notes


_TERM_NOTE = "course: "


def _late(course: Course | None, learner: str, unit: str, record: CellRecord) -> Late | None:
    if course is None:
        return None
    due, extended = course.due_for(learner, unit)
    if due is None:
        return None
    days = 0
    if record.submitted_at is not None:  # an unknown time counts as on time, and says so
        over = datetime.fromisoformat(record.submitted_at) - (due + course.late.grace)
        days = math.ceil(over / timedelta(days=1)) if over > timedelta(0) else 0
    return Late(due.isoformat(timespec="seconds"), days, course.late.percent(days), extended)


def _override(entry: OverrideEntry) -> Override:
    return Override(entry.reason, entry.by, entry.points, entry.score)
