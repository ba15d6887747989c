"""Hints are earned: none before a check fails on the learner's own code, then one more tier."""

from pathlib import Path

from docchat_lab.grading.manifest import find
from docchat_lab.grading.results import CheckResult
from docchat_lab.stages import attempts

CHECK = "test_negative_skip_is_a_422"


def _run(kind: str, passed: bool = False) -> CheckResult:
    result = CheckResult(CHECK, passed, "" if passed else "GET /page?skip=-1 answered 200", kind)
    stage = find("01")
    attempts.apply_tiers(stage, [result], attempts.record(stage, [result]))
    return result


def test_a_stub_earns_no_hint(lab: Path) -> None:
    assert _run("not-implemented").hint == ""
    assert _run("not-implemented").hint == ""


def test_each_real_failure_earns_the_next_tier_and_the_answer_comes_last(lab: Path) -> None:
    tiers = find("01").hint_tiers(CHECK)
    assert len(tiers) == 3
    shown = [_run("assertion").hint for _ in range(4)]
    assert shown[0].startswith(tiers[0])
    assert shown[1].startswith(tiers[1])
    assert shown[2] == tiers[2]
    assert shown[3] == tiers[2]
    assert tiers[2] not in shown[0]
    assert tiers[2] not in shown[1]


def test_a_passing_check_shows_no_hint(lab: Path) -> None:
    _run("assertion")
    assert _run("", passed=True).hint == ""
