"""Checks declare their weight and visibility; the runner records both; scores follow weights,
then the late policy, then overrides."""

import shutil
from pathlib import Path

import pytest

from docchat_lab.feedback import HIDDEN_NOTE, as_markdown, as_text
from docchat_lab.grading.cell import CellRecord, Late, Override, final_score
from docchat_lab.grading.expect import declared, visibility, weight
from docchat_lab.grading.grade import grade
from docchat_lab.grading.results import CheckResult, ExerciseResult

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("value", [0, -1, "2", True, float("nan")])
def test_a_weight_must_be_a_number_above_zero(value: object) -> None:
    with pytest.raises(ValueError, match="weight"):
        weight(value)  # type: ignore[arg-type]


def test_a_visibility_must_be_one_of_three() -> None:
    with pytest.raises(ValueError, match="always, after_due, never"):
        visibility("later")


def test_declared_options_and_their_defaults() -> None:
    @weight(2.5)
    @visibility("after_due")
    def test_declared(ex: object) -> None: ...

    def test_plain(ex: object) -> None: ...

    def test_tampered(ex: object) -> None: ...

    test_tampered.weight = "heavy"  # type: ignore[attr-defined]
    test_tampered.visibility = "sometimes"  # type: ignore[attr-defined]
    assert declared(test_declared) == (2.5, "after_due")
    assert declared(test_plain) == (1.0, "always")
    assert declared(test_tampered) == (1.0, "always")


def unit(*weights_passed: tuple[float, bool]) -> ExerciseResult:
    return ExerciseResult(
        "ex01",
        "ex01_dependencies",
        10.0,
        checks=[CheckResult(f"test_{i}", ok, weight=w) for i, (w, ok) in enumerate(weights_passed)],
    )


def test_a_heavier_check_counts_for_more() -> None:
    assert unit((1, True), (1, False)).raw_score == 5
    assert unit((3, True), (1, False)).raw_score == 7.5
    assert unit((3, False), (1, True)).raw_score == 2.5
    aborted = unit((3, True), (1, True))
    aborted.status = "timeout"
    assert aborted.raw_score == 0


def record(late: float = 0, *overrides: Override) -> CellRecord:
    late_part = Late("2026-03-02T23:59:00+01:00", 1 if late else 0, late)
    return CellRecord(1, "2026-03-03T00:00:00+01:00", None, "", late_part, list(overrides))


def test_late_first_then_overrides_in_order_within_the_points() -> None:
    assert final_score(8, 10, None) == 8
    assert final_score(8, 10, record(25)) == 6
    assert final_score(8, 10, record(25, Override("r", "me", points=1))) == 7
    assert final_score(8, 10, record(25, Override("r", "me", score=9))) == 9
    both = record(0, Override("r", "me", score=9), Override("r", "me", points=-2))
    assert final_score(8, 10, both) == 7
    assert final_score(8, 10, record(0, Override("r", "me", points=5))) == 10
    assert final_score(1, 10, record(0, Override("r", "me", points=-5))) == 0


def test_the_runner_records_what_a_check_declares(tmp_path: Path) -> None:
    submissions, hidden = tmp_path / "class", tmp_path / "hidden"
    shutil.copytree(ROOT / "solutions", submissions / "reference")
    hidden.mkdir()
    (hidden / "ex01_dependencies.py").write_text(
        "from docchat_lab.grading.expect import expect, visibility, weight\n\n\n"
        "@weight(3)\n"
        '@visibility("after_due")\n'
        "def test_never_passes(ex):\n"
        '    expect(False, "the secret expectation")\n',
        encoding="utf-8",
    )
    result = grade(
        submissions, tmp_path / "out", hidden=hidden, only=["ex01"], jobs=2, show_progress=False
    )
    cell = result.learners[0].exercises[0]
    secret = cell.checks[-1]
    assert (secret.hidden, secret.weight, secret.visibility) == (True, 3.0, "after_due")
    assert {c.weight for c in cell.checks[:-1]} == {1.0}
    public = len(cell.checks) - 1
    assert cell.score == round(10 * public / (public + 3), 2)


def test_when_every_public_check_passes_hidden_checks_may_still_fail() -> None:
    before_grading = unit((1, True), (1, True))
    assert HIDDEN_NOTE in as_text(before_grading, "Dependencies")
    assert HIDDEN_NOTE in as_markdown(before_grading, "Dependencies")
    one_fails = unit((1, True), (1, False))
    assert HIDDEN_NOTE not in as_text(one_fails, "Dependencies")
    # Once graded, the hidden checks' results are there: no need to warn.
    graded = unit((1, True), (1, True))
    graded.checks.append(CheckResult("test_secret", True, hidden=True))
    graded.record = record()
    assert HIDDEN_NOTE not in as_text(graded, "Dependencies")


def test_a_check_declared_never_visible_shows_like_a_hidden_one() -> None:
    result = unit((1, True))
    result.checks.append(
        CheckResult(
            "test_exact_wording", False, "expected 'nope'", hint="say nope", visibility="never"
        )
    )
    text = as_text(result, "Dependencies") + as_markdown(result, "Dependencies")
    assert "exact wording" not in text
    assert "expected 'nope'" not in text
    assert "say nope" not in text
    assert "hidden check" in text
