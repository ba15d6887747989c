"""Notebook 09's helper: an unfinished or broken package is a sentence, a finished one is served."""

from pathlib import Path

from docchat_lab.stages.capstone import serve_yours, side_by_side, walk_yours
from docchat_lab.stages.contract import ContractResult, Step
from tests.stages.learner_walk import fill_stage


def test_a_fresh_package_names_its_stubs_by_stage_and_is_not_served(lab: Path) -> None:
    served = serve_yours()
    shown = repr(served)
    assert served.server is None
    assert "stage 02: get_db in api/deps.py" in shown
    assert "stage 07: Settings.model_config, Settings._split_origins," in shown
    assert "stage 08" not in shown, "the tests do not stop the app from serving"
    assert "not walked" in repr(walk_yours(served))


def test_code_that_fails_to_start_is_reported_not_raised(lab: Path) -> None:
    for stage in range(1, 8):
        fill_stage(stage, lab)
    main = lab / "main.py"
    broken = "def create_app(settings=None):\n    raise ValueError('no app today')\n\n\ndef _was("
    main.write_text(main.read_text().replace("def create_app(", broken, 1))
    served = serve_yours()
    assert served.server is None
    assert "it did not start: ValueError: no app today" in repr(served)


def test_a_package_without_its_tests_serves_and_walks_the_contract(lab: Path) -> None:
    for stage in range(1, 8):
        fill_stage(stage, lab)
    served = serve_yours()
    assert served.server is not None
    try:
        assert "GET /health -> 200" in repr(served)
        assert "stage 08: settings, client in tests/conftest.py" in repr(served)
        walked = walk_yours(served)
    finally:
        served.server.stop()
    assert walked.passed, walked


def test_side_by_side_marks_steps_the_walk_never_reached() -> None:
    reference = ContractResult([Step("one", True), Step("two", True)])
    stopped = ContractResult([Step("one", False, "got 500")])
    lines = side_by_side(stopped, reference).splitlines()
    assert lines[1].split() == ["✘", "✔", "one"]
    assert lines[2].split() == ["—", "✔", "two"]
