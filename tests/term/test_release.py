"""Feedback release: a folder per learner; a unit in full once its due date (the learner's own)
has passed; before it, held back or, early, only the checks declared visible always."""

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from docchat_lab.feedback import HIDDEN_NOTE
from docchat_lab.grading.course import load_course
from docchat_lab.grading.grade import ClassResult
from docchat_lab.grading.learner_ids import learner_id
from docchat_lab.grading.outputs import OutputError
from docchat_lab.grading.release import MANIFEST, release
from docchat_lab.grading.term import apply_course
from tests.term.books import course_files, sample_book

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def book(tmp_path: Path) -> tuple[ClassResult, object]:
    course = load_course(course_files(tmp_path))
    book = sample_book()
    # grace's ex03: one check shown always, one after the due date, one never.
    grace_ex03 = book.learners[1].exercises[1]
    grace_ex03.checks[0] = replace(grace_ex03.checks[0], passed=False, message="always: 404?")
    grace_ex03.checks[1] = replace(
        grace_ex03.checks[1], passed=False, message="after: the order", visibility="after_due"
    )
    grace_ex03.checks[2] = replace(
        grace_ex03.checks[2],
        passed=False,
        message="never: the wording",
        hint="say it",
        visibility="never",
    )
    apply_course(book, course)
    return book, course


def read(target: Path, learner: str) -> str:
    return (target / learner / "feedback.md").read_text(encoding="utf-8") + (
        target / learner / "feedback.html"
    ).read_text(encoding="utf-8")


def test_after_every_due_date_everything_but_hidden_details(book, tmp_path: Path) -> None:
    result, course = book
    target = tmp_path / "handback"
    done = release(result, course, target, datetime(2026, 4, 1, tzinfo=PARIS))
    assert done["learners"]["grace"] == {"ex01": "released", "ex03": "released"}
    grace = read(target, "grace")
    assert "always: 404?" in grace
    assert "after: the order" in grace
    assert "never: the wording" not in grace
    assert "say it" not in grace
    assert "1 day late" in grace
    assert "M. Hamilton" in grace
    ada = read(target, "ada")
    assert "| hidden check |" in ada
    assert "test_secret" not in ada
    assert "a hidden check failed" in ada  # that it failed, and nothing else
    assert (target / "_released.json").is_file()
    assert {p.name for p in target.iterdir()} == {"ada", "grace", "zed", "_released.json"}


def test_before_a_due_date_the_unit_is_held(book, tmp_path: Path) -> None:
    result, course = book
    target = tmp_path / "handback"
    # ex01 is due on the 2nd, ex03 on the 16th; ada's ex03 was extended to the 18th.
    done = release(result, course, target, datetime(2026, 3, 17, 12, 0, tzinfo=PARIS))
    assert done["learners"]["grace"] == {"ex01": "released", "ex03": "released"}
    assert done["learners"]["ada"] == {"ex01": "released", "ex03": "held"}
    ada = read(target, "ada")
    assert "feedback comes after the due date, 2026-03-18 23:59 +01:00" in ada
    assert "public 0" not in ada.split("ex03")[-1]


def test_early_feedback_shows_only_checks_visible_always(book, tmp_path: Path) -> None:
    result, course = book
    target = tmp_path / "handback"
    done = release(result, course, target, datetime(2026, 3, 1, tzinfo=PARIS), early=True)
    assert done["learners"]["grace"] == {"ex01": "early", "ex03": "early"}
    grace = read(target, "grace")
    assert "always: 404?" in grace
    assert "after: the order" not in grace
    assert "never: the wording" not in grace
    assert "1 day late" not in grace  # no score yet, so no late days either
    assert "early feedback on 8 checks" in grace
    ada = (target / "ada" / "feedback.md").read_text(encoding="utf-8")
    ex01, ex03 = ada.split("ex03 · ")
    assert "| hidden check |" not in ex03  # hidden checks are not shown early at all
    assert HIDDEN_NOTE in ex01  # every check shown passes: hidden ones may still fail
    assert HIDDEN_NOTE not in ex03  # one shown check fails


def test_no_learner_id_can_take_the_manifest_name(book, tmp_path: Path) -> None:
    """`released.json.zip` was the learner `released.json`, whose folder took the manifest's
    name: the release failed for the whole class. The old manifest of a release before is
    superseded, and never blocks a learner's folder."""
    result, course = book
    assert learner_id(MANIFEST) != MANIFEST
    assert learner_id(MANIFEST + ".partial") != MANIFEST + ".partial"
    result.learners[0].learner = "released.json"
    target = tmp_path / "handback"
    target.mkdir()
    (target / "released.json").write_text('{"at": "2026-03-01T00:00:00", "learners": {}}\n')
    done = release(result, course, target, datetime(2026, 4, 1, tzinfo=PARIS))
    assert (target / "released.json" / "feedback.md").is_file()
    manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    assert set(manifest["learners"]) == set(done["learners"]) == {"released.json", "grace", "zed"}


def test_a_path_in_the_way_writes_nothing(book, tmp_path: Path) -> None:
    result, course = book
    target = tmp_path / "handback"
    target.mkdir()
    (target / "zed").write_text("someone's file")
    with pytest.raises(OutputError, match="zed is not a folder"):
        release(result, course, target, datetime(2026, 4, 1, tzinfo=PARIS))
    assert [p.name for p in target.iterdir()] == ["zed"]
    (tmp_path / "afile").write_text("x")
    with pytest.raises(OutputError, match="afile is not a folder"):
        release(result, course, tmp_path / "afile", datetime(2026, 4, 1, tzinfo=PARIS))
    result.learners[0].learner = "../ada"  # a hand-edited gradebook
    with pytest.raises(OutputError, match="not a learner id"):
        release(result, course, tmp_path / "h2", datetime(2026, 4, 1, tzinfo=PARIS))
    assert not (tmp_path / "h2").exists()
