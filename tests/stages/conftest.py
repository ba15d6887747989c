"""A lab of the learner's own in a temporary folder: `my_docchat/` at stage 0."""

from pathlib import Path

import pytest

from docchat_lab.stages import workspace


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(workspace.PACKAGE_ENV, str(tmp_path / "my_docchat"))
    path, created = workspace.start()
    assert created
    return path
