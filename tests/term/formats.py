"""What each LMS documents about the files it imports, as checks on a file we wrote.

Canvas: its GradebookImporter (app/models/gradebook_importer.rb in canvas-lms) reads a header
whose first cell contains "Student" and second "ID"; "SIS User ID" then "SIS Login ID" after
them; "Section" as the last student column; assignment columns "Title (id)" (or a bare title,
which creates an assignment); a row whose first cell contains "Points Possible".
Moodle: grade/import/csv maps one column to a user field (userid, username, useridnumber,
useremail) and the others to grade items; "" and "-" are no grade; the docs' advice is to map
"Email address" to useremail or "ID number" to useridnumber.
Gradescope: the "Autograder Specifications" page lists every key of results.json.
"""

import csv
import math
import re
from pathlib import Path
from typing import Any

CANVAS_RESERVED = {
    "Student",
    "ID",
    "SIS User ID",
    "SIS Login ID",
    "Section",
    "Integration ID",
    "Root Account",
}
CANVAS_READ_ONLY = ("Current Score", "Final Score", "Current Grade", "Final Grade")
CANVAS_ASSIGNMENT = re.compile(r"\A(.+) \((\d+)\)\Z")

GRADESCOPE_TOP = {
    "score",
    "execution_time",
    "output",
    "output_format",
    "test_output_format",
    "test_name_format",
    "visibility",
    "stdout_visibility",
    "extra_data",
    "tests",
    "leaderboard",
}
GRADESCOPE_TEST = {
    "score",
    "max_score",
    "status",
    "name",
    "name_format",
    "number",
    "output",
    "output_format",
    "tags",
    "visibility",
    "extra_data",
}
GRADESCOPE_VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
GRADESCOPE_FORMATS = {"text", "simple_format", "html", "md", "ansi"}


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _grade(cell: str) -> float | None:
    if cell in ("", "-"):
        return None
    value = float(cell)  # a number with a dot: both LMSs read it
    assert math.isfinite(value)
    assert value >= 0
    return value


def canvas(path: Path) -> dict[str, dict[str, float | None]]:
    """Check a Canvas gradebook CSV; return {canvas ID: {assignment column: grade}}."""
    header, points, *students = _rows(path)
    assert len(header) > 3
    assert "Student" in header[0]
    assert "ID" in header[1]
    assert header[2:5] == ["SIS User ID", "SIS Login ID", "Section"]
    assignments = header[5:]
    assert assignments
    assert len(set(assignments)) == len(assignments)
    for column in assignments:
        assert column not in CANVAS_RESERVED
        assert not column.startswith(CANVAS_READ_ONLY)
    assert "Points Possible" in points[0]
    assert all(_grade(p) for p in points[5:])
    found = {}
    for row in students:
        assert len(row) == len(header)
        assert row[1].isdigit() or row[2], "Canvas needs its ID or the SIS User ID"
        cells = zip(assignments, row[5:], strict=True)
        found[row[1]] = {column: _grade(cell) for column, cell in cells}
    return found


def moodle(path: Path, match: str) -> dict[str, dict[str, float | None]]:
    """Check a Moodle grade import CSV; return {email or ID number: {grade item: grade}}."""
    header, *students = _rows(path)
    assert "Email address" in header
    assert "ID number" in header
    key = header.index("Email address" if match == "email" else "ID number")
    items = header[4:]
    assert items
    assert len(set(header)) == len(header)
    found = {}
    for row in students:
        assert len(row) == len(header)
        assert row[key]
        assert row[key] not in found
        found[row[key]] = {item: _grade(cell) for item, cell in zip(items, row[4:], strict=True)}
    return found


def gradescope(data: dict[str, Any]) -> None:
    assert set(data) <= GRADESCOPE_TOP
    assert isinstance(data["score"], int | float)
    assert data.get("visibility", "visible") in GRADESCOPE_VISIBILITY
    assert data.get("stdout_visibility", "hidden") in GRADESCOPE_VISIBILITY
    assert data.get("output_format", "simple_format") in GRADESCOPE_FORMATS
    assert isinstance(data.get("output", ""), str)
    for test in data["tests"]:
        assert set(test) <= GRADESCOPE_TEST
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in ("passed", "failed")
        assert test["visibility"] in GRADESCOPE_VISIBILITY
        assert isinstance(test["name"], str)
        assert isinstance(test["output"], str)
        assert all(isinstance(tag, str) for tag in test["tags"])
