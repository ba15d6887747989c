"""The gradebook as an LMS imports it: Canvas's gradebook CSV and Moodle's grade import CSV.

Canvas (its GradebookImporter): a header row starting `Student`, `ID`, then `SIS User ID`,
`SIS Login ID` and `Section` before the assignment columns; a learner is matched by ID, then
by SIS User ID or SIS Login ID, then by name; an assignment column named `Title (123)` updates
assignment 123, and a plain title makes a new assignment. A second row starting
`Points Possible` gives each column's maximum.
Moodle (Grades > Import > CSV file): any header row; on import, map "Email address" to
`useremail` or "ID number" to `useridnumber`, and each grade column to its grade item.
A grade left empty sets no grade, in both.
"""

import csv
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from docchat_lab.grading.course import Course, Learner
from docchat_lab.grading.grade import ClassResult, LearnerResult
from docchat_lab.grading.gradebook import UNGRADED
from docchat_lab.grading.manifest import Exercise

# A spreadsheet runs a cell that starts like a formula (OWASP's "CSV injection"); a folder or
# zip name is the learner's choice, so such a cell is written as text, with a leading quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
CANVAS_STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_STUDENT_COLUMNS = ["First name", "Last name", "ID number", "Email address"]


def canvas_rows(book: ClassResult, course: Course) -> tuple[list[list[str]], list[str]]:
    """The rows of Canvas's CSV, and notes on the learners left out."""
    header = CANVAS_STUDENT_COLUMNS + [_canvas_column(u, course) for u in book.exercises]
    points = ["Points Possible", "", "", "", ""] + [_number(u.points) for u in book.exercises]
    rows, notes = [header, points], list[str]()

    def row(learner: Learner, result: LearnerResult) -> list[str]:
        ids = [learner.canvas_id, learner.sis_user_id, learner.sis_login_id, learner.section]
        return [learner.name or learner.id, *ids, *_scores(result)]

    rows += _roster_rows(book, course, row, notes, needs=lambda x: x.canvas_id or x.sis_user_id)
    return rows, notes


def moodle_rows(book: ClassResult, course: Course) -> tuple[list[list[str]], list[str]]:
    key = "email" if course.moodle_match == "email" else "idnumber"
    header = MOODLE_STUDENT_COLUMNS + [
        course.moodle_items.get(u.id, f"{u.id} {u.title}") for u in book.exercises
    ]
    notes: list[str] = []

    def row(learner: Learner, result: LearnerResult) -> list[str]:
        first, _, last = (learner.name or learner.id).rpartition(" ")
        return [
            first or last,
            last if first else "",
            learner.idnumber,
            learner.email,
            *_scores(result),
        ]

    body = _roster_rows(book, course, row, notes, needs=lambda x: getattr(x, key))
    return [header, *body], notes


def spreadsheet_cell(value: str) -> str:
    """`value` as a spreadsheet shows it, never as a formula it runs; numbers stay numbers."""
    if value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_csv(rows: Iterable[list[str]], target: Path) -> Path:
    """Write `rows` whole or not at all: a reader never sees half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    handle = partial.open("w", newline="", encoding="utf-8")
    try:  # from here `partial` is ours: a failure (`target` a folder, a full disk) removes it
        with handle:
            csv.writer(handle).writerows([spreadsheet_cell(v) for v in row] for row in rows)
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target


def _roster_rows(
    book: ClassResult,
    course: Course,
    row: Callable[[Learner, LearnerResult], list[str]],
    notes: list[str],
    needs: Callable[[Learner], str],
) -> list[list[str]]:
    """A row per learner on the roster who has grades; notes for those who cannot be matched."""
    graded = {lr.learner: lr for lr in book.learners}
    rows = []
    for learner in course.learners:
        if learner.id not in graded:
            notes.append(f"{learner.id} has no grades yet: left out")
        elif not needs(learner):
            notes.append(f"{learner.id} has no id the LMS can match in course.toml: left out")
        else:
            rows.append(row(learner, graded[learner.id]))
    on_roster = {learner.id for learner in course.learners}
    notes += [f"{name} is not on the roster: left out" for name in graded if name not in on_roster]
    return rows


def _scores(result: LearnerResult) -> list[str]:
    return ["" if cell.status == UNGRADED else _number(cell.score) for cell in result.exercises]


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _canvas_column(unit: Exercise, course: Course) -> str:
    title = f"{unit.id} {unit.title}"
    assignment = course.canvas_assignments.get(unit.id)
    return f"{title} ({assignment})" if assignment else title
