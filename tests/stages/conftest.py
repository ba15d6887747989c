"""A lab of the learner's own in a temporary folder: `my_docchat/` at stage 0."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from docchat_lab.grading.sandbox import Sandbox
from docchat_lab.stages import workspace
from tests.stages.stage_answers import parametrize_stage_checks, stage_sandbox


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(workspace.PACKAGE_ENV, str(tmp_path / "my_docchat"))
    path, created = workspace.start()
    assert created
    return path


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parametrize_stage_checks(metafunc)


@pytest.fixture(scope="class")
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    yield from stage_sandbox(request)
