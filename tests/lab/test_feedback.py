"""Feedback a learner can act on: one mistake is reported once, with its own hint."""

import re
import shutil
from pathlib import Path

from docchat_lab.feedback import HIDDEN_NOTE, as_html, as_text, rows
from docchat_lab.grading.manifest import find
from docchat_lab.grading.results import CheckResult, ExerciseResult
from docchat_lab.learner_check import run_checks

ROOT = Path(__file__).resolve().parents[2]


def _mine(tmp_path: Path, slug: str, old: str, new: str) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    answer = folder / f"{slug}.py"
    shutil.copy(ROOT / "solutions" / answer.name, answer)
    text = answer.read_text(encoding="utf-8")
    assert old in text
    answer.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def test_a_file_that_does_not_load_is_one_failure_with_its_line(tmp_path: Path) -> None:
    folder = _mine(tmp_path, "ex03_routers", "def create_app(", "def create_app((")
    [result] = run_checks([find("ex03")], folder)
    text = as_text(result, "routers")
    failures = [line for line in text.splitlines() if line.startswith("  ✘")]
    assert len(failures) == 2, text  # the error, then one line for every check it stopped
    assert re.search(r"syntax error on line \d+", text), text
    assert f", and {len(result.checks) - 2} more checks" in text  # one row for all it stopped
    assert "not checked: ex03_routers.py did not load, see the check above" in text
    assert text.count("hint:") == 1  # no hint about anything the error stopped
    assert result.passed == 0


def test_a_step_that_failed_is_reported_once_and_the_rest_not_checked(tmp_path: Path) -> None:
    folder = _mine(
        tmp_path, "ex03_routers", "status_code=status.HTTP_201_CREATED", "status_code=200"
    )
    [result] = run_checks([find("ex03")], folder)
    failed = {c.name: c for c in result.checks if not c.passed}
    creates = failed.pop("test_create_reads_a_json_body_and_answers_201")
    assert "answered 200" in creates.message
    assert "status_code=201" in creates.hint
    assert failed, "the checks that need a created document should not pass"
    for check in failed.values():
        assert check.message == "not checked: POST /documents/ answered 200, see the check above"
        assert check.kind == "not-checked"
        assert check.hint == ""


def _result(*checks: CheckResult) -> ExerciseResult:
    return ExerciseResult("ex09", "ex09_demo", 10, checks=list(checks))


def test_only_checks_stopped_for_the_same_reason_are_grouped() -> None:
    stopped = "not checked: demo.py did not load, see the check above"
    result = _result(
        CheckResult("test_a", False, "syntax error on line 3", "syntax", "fix it"),
        CheckResult("test_b", False, stopped, "not-checked"),
        CheckResult("test_c", False, stopped, "not-checked"),
        CheckResult("test_d", True),
        CheckResult("test_e", False, stopped, "not-checked"),
    )
    assert [(r.passed, r.title) for r in rows(result)] == [
        (False, "a"),
        (False, "b, and 1 more check"),
        (True, "d"),
        (False, "e"),
    ]


def test_when_every_check_passes_the_learner_hears_about_hidden_checks() -> None:
    passing = _result(CheckResult("test_a", True), CheckResult("test_b", True))
    failing = _result(CheckResult("test_a", True), CheckResult("test_b", False, "no", "x"))
    assert HIDDEN_NOTE in as_text(passing, "demo")
    assert "hidden checks" in as_html(passing, "demo")
    assert HIDDEN_NOTE not in as_text(failing, "demo")
