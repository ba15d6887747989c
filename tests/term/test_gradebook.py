"""The gradebook lasts: a run replaces only the cells it graded, every run is recorded, and the
course file and overrides are applied again, as they are now, each time."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from docchat_lab.grading.course import load_course
from docchat_lab.grading.grade import ClassResult, LearnerResult
from docchat_lab.grading.gradebook import GradebookError, load
from docchat_lab.grading.results import ExerciseResult
from docchat_lab.grading.submission_times import NO_TIME
from docchat_lab.grading.term import TermOptions, record_run, refresh
from tests.term.books import UNITS, checks, course_files


def run_of(cells: dict[str, dict[str, int]]) -> ClassResult:
    """A grading run: {learner: {unit: checks passed out of 4}}."""
    units = sorted({unit for graded in cells.values() for unit in graded})
    return ClassResult(
        [
            LearnerResult(
                learner,
                [f"graded {learner}"],
                [ExerciseResult(u, u, 10.0, checks=checks(n, 4)) for u, n in graded.items()],
            )
            for learner, graded in cells.items()
        ],
        [u for u in UNITS if u.id in units],
        "none (test)",
        [],
        0.5,
        1,
    )


def book_cells(out: Path) -> dict[tuple[str, str], dict]:
    data = json.loads((out / "grades.json").read_text(encoding="utf-8"))
    return {
        (learner["learner"], cell["exercise"]): cell
        for learner in data["learners"]
        for cell in learner["exercises"]
    }


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "round").mkdir()
    return tmp_path / "round", tmp_path / "grades"


def test_a_run_changes_only_the_cells_it_graded(folders: tuple[Path, Path]) -> None:
    submissions, out = folders
    first = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    record_run(
        run_of({"ada": {"ex01": 4}, "grace": {"ex01": 2}}), out, submissions, TermOptions(), first
    )
    before = book_cells(out)
    record_run(run_of({"ada": {"ex03": 3}}), out, submissions, TermOptions(), first.replace(day=17))
    after = book_cells(out)
    assert after[("ada", "ex01")] == before[("ada", "ex01")]
    assert after[("grace", "ex01")] == before[("grace", "ex01")]
    assert after[("ada", "ex03")]["score"] == 7.5
    assert after[("ada", "ex03")]["record"]["run"] == 2
    assert after[("grace", "ex03")]["status"] == "ungraded"

    # Regrading grace's ex01 alone: that cell, and nothing else.
    record_run(
        run_of({"grace": {"ex01": 4}}), out, submissions, TermOptions(), first.replace(day=20)
    )
    again = book_cells(out)
    changed = {key for key in again if again[key] != after.get(key)}
    assert changed == {("grace", "ex01")}
    assert again[("grace", "ex01")]["score"] == 10
    assert again[("grace", "ex01")]["record"]["run"] == 3
    assert again[("grace", "ex01")]["record"]["time_source"] == NO_TIME


def test_every_run_is_recorded(folders: tuple[Path, Path], tmp_path: Path) -> None:
    submissions, out = folders
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "ex03_routers.py").write_text("def test_secret(ex):\n    pass\n", encoding="utf-8")
    record_run(run_of({"ada": {"ex01": 4}}), out, submissions, TermOptions())
    record_run(run_of({"ada": {"ex03": 4}}), out, submissions, TermOptions(hidden=hidden))
    runs = json.loads((out / "grades.json").read_text(encoding="utf-8"))["runs"]
    assert [run["run"] for run in runs] == [1, 2]
    assert runs[0]["units"] == ["ex01"]
    assert runs[1]["hidden_checks"] == {"ex03": ["test_secret"]}
    assert runs[0]["hidden_checks"] == {}
    for run in runs:
        assert run["at"]
        assert run["kit_version"]
        assert len(run["checks_sha256"]) == 16
        assert run["isolation"] == "none (test)"
        assert run["learners"] == ["ada"]
    assert not list(out.glob("*.partial"))


def test_the_course_is_applied_again_as_it_is_now(
    folders: tuple[Path, Path], tmp_path: Path
) -> None:
    submissions, out = folders
    course_path = course_files(tmp_path)
    options = TermOptions(
        course=load_course(course_path), everyone=datetime(2026, 3, 4, 8, 0, tzinfo=UTC)
    )
    record_run(run_of({"grace": {"ex01": 4}, "ada": {"ex01": 4}}), out, submissions, options)
    cells = book_cells(out)
    # Submitted on the 4th, due on the 2nd at 23:59 Paris: two days started, 20% off...
    assert cells[("ada", "ex01")]["record"]["late"]["days"] == 2
    assert cells[("ada", "ex01")]["score"] == 8
    # ...and grace's override (+1.5) comes after the late policy.
    assert cells[("grace", "ex01")]["score"] == 9.5

    # An extension granted later, and the override withdrawn: no regrading needed.
    text = course_path.read_text() + '\n[[extension]]\nlearner = "ada"\nuntil = 2026-03-05\n'
    course_path.write_text(text)
    (tmp_path / "overrides.toml").write_text("", encoding="utf-8")
    refresh(out, None)  # the course file the last run used
    cells = book_cells(out)
    assert cells[("ada", "ex01")]["record"]["late"] == {
        "due": "2026-03-05T23:59:59+01:00",
        "days": 0,
        "percent": 0.0,
        "extended": True,
    }
    assert cells[("ada", "ex01")]["score"] == 10
    assert cells[("grace", "ex01")]["record"]["overrides"] == []
    assert cells[("grace", "ex01")]["score"] == 8


def test_an_override_for_a_cell_not_graded_is_noted(
    folders: tuple[Path, Path], tmp_path: Path
) -> None:
    submissions, out = folders
    course = load_course(course_files(tmp_path))
    book = record_run(run_of({"ada": {"ex01": 4}}), out, submissions, TermOptions(course=course))
    assert any("override for grace ex01 not applied" in note for note in book.notes)
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "override for grace ex01 not applied" in report
    # No zip, no time given: on time, and the report says which cells that was for.
    assert "No submission time known, so counted as on time: ada ex01." in report


def test_a_file_that_is_not_a_gradebook_is_refused_and_kept(folders: tuple[Path, Path]) -> None:
    submissions, out = folders
    out.mkdir()
    (out / "grades.json").write_text('{"something": "else"}', encoding="utf-8")
    with pytest.raises(GradebookError, match="not a gradebook"):
        record_run(run_of({"ada": {"ex01": 4}}), out, submissions, TermOptions())
    assert (out / "grades.json").read_text(encoding="utf-8") == '{"something": "else"}'


def test_units_and_learners_survive_a_round_trip(folders: tuple[Path, Path]) -> None:
    submissions, out = folders
    written = record_run(run_of({"ada": {"ex01": 3, "ex03": 1}}), out, submissions, TermOptions())
    again = load(out)
    assert again is not None
    assert [u.id for u in again.exercises] == ["ex01", "ex03"]
    assert [c.to_dict() for c in again.learners[0].exercises] == [
        c.to_dict() for c in written.learners[0].exercises
    ]
    assert again.learners[0].notes == ["graded ada"]
