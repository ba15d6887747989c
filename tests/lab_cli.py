"""Run the `docchat-lab` command in a subprocess, as a learner or an instructor would."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_lab(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "docchat_lab", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        check=False,
    )


def lab_copy(tmp_path: Path) -> Path:
    """A copy of the lab's folders: the commands find it from their working directory."""
    project = tmp_path / "kit"
    for part in ("solutions", "exercises"):
        shutil.copytree(ROOT / part, project / part)
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    return project
