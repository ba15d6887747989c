"""The learner's walk (tests/stages/learner_walk.py) under pytest; .ci/run also runs it in the
[lab]-only venv, as a learner's environment has it."""

from pathlib import Path

import pytest

from tests.stages.learner_walk import walk_all


@pytest.mark.timeout(900)
def test_every_stage_fails_on_its_stub_and_passes_when_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCCHAT_LAB_PACKAGE", str(tmp_path / "unused"))  # walk_all sets its own
    monkeypatch.syspath_prepend(str(tmp_path))
    said: list[str] = []
    walk_all(tmp_path, said.append)
    assert len(said) == 9
    assert "The DocChat contract passes" in said[-1]
