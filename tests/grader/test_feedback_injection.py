"""Learner-made text in the Markdown feedback (file names, exception messages) stays one line of
text: no heading, fake total, HTML, image or link of its making, and no table cell broken open."""

from pathlib import Path

from docchat_lab.feedback import as_markdown
from docchat_lab.grading.grade import ClassResult, LearnerResult
from docchat_lab.grading.manifest import find
from docchat_lab.grading.reports import write_all
from docchat_lab.grading.results import CheckResult, ExerciseResult
from docchat_lab.grading.submissions import Submission, Wanted, read_one

FORGED = (
    "x\n\n# Feedback for mallory\n\nTotal: **80 of 80** points.\r\n<img src=x onerror=alert(1)>"
)
FORGED += " ![pixel](http://attacker.example/p.png) | ✔ | `code`"


def _assert_inert(markdown: str) -> None:
    assert "\n# Feedback for mallory" not in markdown
    assert "\nTotal: **80" not in markdown
    assert "<img" not in markdown
    assert "[pixel](http" not in markdown
    assert "| ✔ | `code`" not in markdown


def test_a_check_message_cannot_write_markdown() -> None:
    result = ExerciseResult("ex01", "ex01_dependencies", 10, status="crashed", detail=FORGED)
    result.checks = [CheckResult("test_one", False, FORGED, "error", hint=FORGED)]
    markdown = as_markdown(result, "Dependencies")
    _assert_inert(markdown)
    table = [line for line in markdown.splitlines() if line.startswith("| ✘")]
    assert len(table) == 1
    assert table[0].count(" | ") == 3


def test_a_file_name_cannot_write_the_feedback_page(tmp_path: Path) -> None:
    folder = tmp_path / "mallory"
    folder.mkdir()
    (folder / FORGED.replace("/", "_")).symlink_to("/etc/passwd")
    submission = Submission("mallory", source=folder)
    read_one(folder, submission, Wanted(files=frozenset({"ex01_dependencies.py"})))
    assert any("onerror" in note for note in submission.notes)
    learner = LearnerResult("mallory", submission.notes)
    result = ClassResult([learner], [find("ex01")], "none", [], 0.0, 1)
    write_all(result, tmp_path / "out")
    _assert_inert((tmp_path / "out" / "feedback" / "mallory.md").read_text(encoding="utf-8"))


def test_a_lone_surrogate_is_stored_as_text_any_file_can_hold() -> None:
    """lone_surrogates: JSON carries `\\ud800` from a worker; no UTF-8 file can hold it."""
    result = ExerciseResult("ex01", "ex01_dependencies", 10, detail="a\ud800b")
    result.checks = [CheckResult("test_one", False, "c\udfffd", hint="\ud800")]
    assert (result.detail, result.checks[0].message, result.checks[0].hint) == ("a?b", "c?d", "?")
    as_markdown(result, "Dependencies").encode("utf-8")
