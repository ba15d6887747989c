"""The gradebook lasts: a run replaces only the cells it graded, every run is recorded, and the
course file and overrides are applied again, as they are now, each time."""

import argparse
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from docchat_lab.grading.course import CourseError, load_course
from docchat_lab.grading.grade import ClassResult, LearnerResult
from docchat_lab.grading.gradebook import GradebookError, load
from docchat_lab.grading.results import ExerciseResult
from docchat_lab.grading.submission_times import NO_TIME
from docchat_lab.grading.term import TermOptions, record_run, refresh
from docchat_lab.term_cli import grading_options
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


def grade_args(course: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(course=course, submitted_at=None, submission_times=None)


def graded_with_course(folders: tuple[Path, Path], tmp_path: Path) -> Path:
    submissions, out = folders
    options = TermOptions(
        course=load_course(course_files(tmp_path)), everyone=datetime(2026, 3, 4, 8, tzinfo=UTC)
    )
    record_run(run_of({"grace": {"ex01": 4}}), out, submissions, options)
    return out


def test_a_mistake_in_the_overrides_stops_grading_before_it_starts(
    folders: tuple[Path, Path], tmp_path: Path
) -> None:
    out = graded_with_course(folders, tmp_path)
    overrides = tmp_path / "overrides.toml"
    overrides.write_text(overrides.read_text().replace("points = 1.5", "points = 15"))
    # Named on the command line, or the one the gradebook's last run used: both checked.
    for named in (str(tmp_path / "course.toml"), None):
        with pytest.raises(CourseError, match="points 15 is out of range for ex01"):
            grading_options(grade_args(named), None, out)


def test_the_overrides_read_before_grading_are_the_ones_applied(
    folders: tuple[Path, Path], tmp_path: Path
) -> None:
    submissions, out = folders
    course_files(tmp_path)
    options = grading_options(grade_args(str(tmp_path / "course.toml")), None, out)
    assert [entry.points for entry in options.overrides or []] == [1.5]
    (tmp_path / "overrides.toml").write_text("[[override]]\nbroken = 1\n", encoding="utf-8")
    book = record_run(run_of({"grace": {"ex01": 4}}), out, submissions, options)
    assert book.learners[0].exercises[0].record.overrides[0].points == 1.5  # type: ignore[union-attr]


def test_a_course_file_gone_is_named_and_nothing_is_rewritten(
    folders: tuple[Path, Path], tmp_path: Path
) -> None:
    out = graded_with_course(folders, tmp_path)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    (tmp_path / "course.toml").rename(tmp_path / "course-spring.toml")
    gone = f"the course file {tmp_path / 'course.toml'} the last run used is gone: pass --course"
    with pytest.raises(CourseError, match=gone):
        refresh(out, None)
    with pytest.raises(CourseError, match=gone):
        grading_options(grade_args(), None, out)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    # Named again, it is used (and recorded for the next run).
    book = refresh(out, load_course(tmp_path / "course-spring.toml"))
    assert book.learners[0].exercises[0].record.late is not None  # type: ignore[union-attr]


def _first_cell(data: dict[str, Any]) -> dict[str, Any]:
    return data["learners"][0]["exercises"][0]  # type: ignore[no-any-return]


BAD_EDITS: list[tuple[Callable[[dict[str, Any]], None], str]] = [
    (lambda d: d["runs"][-1].pop("run"), r"runs\[0\]: 'run' \(its number\) is missing"),
    (
        lambda d: d["runs"][-1].update(seconds="fast"),
        "runs\\[0\\]: seconds is 'fast', not a number",
    ),
    (lambda d: d["runs"][-1].update(course=3), "course is 3, not text or null"),
    (lambda d: d["runs"].append("run 2"), "runs\\[1\\]: 'run 2' is not an object"),
    (lambda d: d.update(runs={"run": 1}), "'runs' is not a list"),
    (lambda d: _first_cell(d)["record"].update(run="x"), "grace's exercises\\[0\\]"),
    (lambda d: _first_cell(d).update(record=[1]), "record is not an object"),
    (lambda d: _first_cell(d)["record"].update(submitted_at="3 March"), "submitted_at '3 March'"),
    (
        lambda d: _first_cell(d)["record"].update(submitted_at="2026-03-03T10:00"),
        "not a time with its UTC offset",
    ),
    (lambda d: _first_cell(d).update(points="ten"), "points is 'ten', not a number"),
    (lambda d: _first_cell(d)["checks"][0].update(passed="yes"), "checks\\[0\\]: passed is 'yes'"),
    (lambda d: _first_cell(d)["record"]["late"].update(percent=None), "late: percent is None"),
    (lambda d: d["learners"].append(7), "learners\\[1\\]: 7 is not an object"),
    (lambda d: d.pop("exercises"), "'exercises' is missing"),
]


@pytest.mark.parametrize(("edit", "named"), BAD_EDITS)
def test_a_hand_edited_gradebook_is_refused_when_read_naming_the_mistake(
    folders: tuple[Path, Path], tmp_path: Path, edit: Callable[[dict[str, Any]], None], named: str
) -> None:
    out = graded_with_course(folders, tmp_path)
    path = out / "grades.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    with pytest.raises(GradebookError, match=named) as caught:
        load(out)
    assert str(path) in str(caught.value)
    with pytest.raises(GradebookError):  # before any grading
        grading_options(grade_args(), None, out)
    assert path.read_text(encoding="utf-8") == text
