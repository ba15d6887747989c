"""Restart-and-run-all, twice in a row in one kernel, with every cell queued at once (as
JupyterLab's Run All does): every cell must reply "ok", with no error and nothing on stderr."""

from pathlib import Path

import pytest

from tests.notebooks.run_all import run_all_queued

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("[0-9A][0-9]_*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_run_all_twice_with_every_cell_queued(notebook: Path) -> None:
    result = run_all_queued(notebook, times=2)
    assert result.statuses, "no cell ran"
    assert set(result.statuses) == {"ok"}, (result.statuses, result.errors)
    assert result.errors == []
    assert result.stderr == []
