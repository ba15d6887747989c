"""Gradescope: the autograder zip has what Gradescope requires, and its run_autograder, run as
Gradescope runs it, grades a submission into a results.json that follows the spec."""

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from docchat_lab.grading.gradescope import build_autograder
from docchat_lab.grading.manifest import graded_units
from docchat_lab.stages import package
from tests.term import formats

ROOT = Path(__file__).resolve().parents[2]
HIDDEN = """from docchat_lab.grading.expect import expect, weight


@weight(2)
def test_the_rule(ex):
    expect(False, "the rule is broken: expected zanzibar")
"""


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("gradescope")
    hidden = tmp / "hidden"
    hidden.mkdir()
    (hidden / "ex01_dependencies.py").write_text(HIDDEN, encoding="utf-8")
    return build_autograder(ROOT, tmp / "autograder.zip", hidden)


def test_the_zip_has_the_two_scripts_at_its_root_and_no_answers(autograder: Path) -> None:
    with zipfile.ZipFile(autograder) as archive:
        names = archive.namelist()
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    assert {"setup.sh", "run_autograder", "pyproject.toml", "README.md"} <= set(names)
    assert modes["run_autograder"] & stat.S_IXUSR
    assert modes["setup.sh"] & stat.S_IXUSR
    assert "docchat_lab/grading/runner.py" in names
    assert "hidden/ex01_dependencies.py" in names
    assert not [n for n in names if n.startswith(("solutions/", "tests/", "exercises/"))]
    assert not [n for n in names if "__pycache__" in n]


def test_run_autograder_writes_results_json(autograder: Path, tmp_path: Path) -> None:
    root = tmp_path / "autograder"
    with zipfile.ZipFile(autograder) as archive:
        archive.extractall(root / "source")
    shutil.copytree(ROOT / "solutions", root / "submission")  # the reference answers
    package.write_snapshot(package.LAST_STAGE, root / "submission")
    env = {
        **os.environ,
        "AUTOGRADER_ROOT": str(root),
        "DOCCHAT_LAB_PYTHON": sys.executable,  # instead of the venv setup.sh would make
        "DOCCHAT_LAB_ROOT": str(ROOT),
    }
    done = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    formats.gradescope(data)
    hidden = [t for t in data["tests"] if t["visibility"] == "hidden"]
    assert len(hidden) == 1
    assert hidden[0]["status"] == "failed"
    assert hidden[0]["output"] == ""
    assert "zanzibar" not in json.dumps(data)
    assert "the_rule" not in json.dumps(data)
    assert "the rule" not in json.dumps(data)
    public = [t for t in data["tests"] if t["visibility"] != "hidden"]
    assert all(t["status"] == "passed" for t in public)
    # ex01: 8 public checks and a hidden one weighing 2, out of 10 points.
    ex01 = [t for t in data["tests"] if t["tags"] == ["ex01"]]
    assert sum(t["max_score"] for t in ex01) == pytest.approx(10)
    assert hidden[0]["max_score"] == pytest.approx(2)
    assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]), abs=0.05)
    full = sum(e.points for e in graded_units())
    assert data["score"] == pytest.approx(full - 2, abs=0.05)
    assert "hidden checks may run too" in data["output"]  # every public check passed
