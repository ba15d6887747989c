"""Gradescope: results.json in its autograder format, and an autograder that runs our checks.

The format (gradescope-autograders.readthedocs.io, "Autograder Specifications"): a top-level
`score` (it overrides the tests' total), `execution_time`, `output`, `visibility`,
`stdout_visibility`, and `tests`, each with `score`, `max_score`, `status`, `name`, `number`,
`output`, `tags` and `visibility` (`visible`, `after_due_date`, `after_published`, `hidden`).
A check's declared visibility maps to these; a hidden check is `hidden` and says nothing more.
"""

import json
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from docchat_lab.feedback import HIDDEN_NOTE, check_title
from docchat_lab.grading.cell import describe
from docchat_lab.grading.grade import ClassResult, LearnerResult, grade
from docchat_lab.grading.gradebook import UNGRADED
from docchat_lab.grading.outputs import file, files
from docchat_lab.grading.results import CheckResult, ExerciseResult

VISIBILITY = {"always": "visible", "after_due": "after_due_date", "never": "hidden"}
LEARNER = "submission"
KIT_PARTS = ("pyproject.toml", "README.md", "docchat", "docchat_lab")


def export(book: ClassResult, target: Path) -> int:
    """`target/<learner>/results.json` for each learner; every path is checked first."""
    files(target, [f"{lr.learner}/results.json" for lr in book.learners], "--to")
    for learner in book.learners:
        folder = target / learner.learner
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(results(learner), indent=2) + "\n"
        (folder / "results.json").write_text(text, encoding="utf-8")
    return len(book.learners)


def results(learner: LearnerResult) -> dict[str, Any]:
    tests, lines = [], []
    for unit_number, cell in enumerate(learner.exercises, 1):
        if cell.status == UNGRADED:
            continue
        total_weight = sum(c.weight for c in cell.checks) or 1.0
        for check_number, check in enumerate(cell.checks, 1):
            tests.append(_test(cell, check, f"{unit_number}.{check_number}", total_weight))
        lines += [f"{cell.exercise}: {line}" for line in describe(cell.record)]
        if cell.status != "ok":
            lines.append(f"{cell.exercise}: the whole unit {cell.detail}")
    public = [t for t in tests if t["visibility"] != "hidden"]
    if public and all(t["status"] == "passed" for t in public):
        lines.append(HIDDEN_NOTE)
    return {
        "score": learner.total,
        "execution_time": round(sum(cell.seconds for cell in learner.exercises), 2),
        "output": "\n".join(lines),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def _test(cell: ExerciseResult, check: CheckResult, number: str, weight: float) -> dict[str, Any]:
    hidden = check.hidden or check.visibility == "never"
    max_score = round(cell.points * check.weight / weight, 4)
    passed = check.passed and cell.status == "ok"
    output = (
        "" if passed or hidden else check.message + (f"\nHint: {check.hint}" if check.hint else "")
    )
    return {
        "name": f"{cell.exercise} · {check_title(check)}",
        "number": number,
        "score": max_score if passed else 0.0,
        "max_score": max_score,
        "status": "passed" if passed else "failed",
        "output": output,
        "tags": [cell.exercise],
        "visibility": "hidden" if hidden else VISIBILITY.get(check.visibility, "visible"),
    }


def run(submission: Path, hidden: Path | None = None) -> dict[str, Any]:
    """Grade one submission folder as Gradescope hands it over; never raises for its content."""
    with tempfile.TemporaryDirectory(prefix="docchat-gradescope-") as scratch:
        root = Path(scratch)
        (root / "class").mkdir()
        shutil.copytree(submission, root / "class" / LEARNER, symlinks=True)
        result = grade(root / "class", root / "out", hidden=hidden, show_progress=False)
    learner = next(lr for lr in result.learners if lr.learner == LEARNER)
    data = results(learner)
    notes = "\n".join(learner.notes)
    data["output"] = "\n".join(part for part in (notes, data["output"]) if part)
    return data


SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
# Choose a base image with Python 3.11 or newer (Ubuntu 24.04 has 3.12).
set -euo pipefail
python3 -c 'import sys; assert sys.version_info >= (3, 11), "DocChat Lab needs Python 3.11+"'
apt-get install -y -qq python3-venv >/dev/null
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q /autograder/source
# Hidden checks must stay unreadable to the graded code, which runs under other uids.
chmod -R go-rwx /autograder/source
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for each submission; it writes results/results.json.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${DOCCHAT_LAB_PYTHON:-$ROOT/venv/bin/python}"
HIDDEN=()
if [ -d "$ROOT/source/hidden" ]; then HIDDEN=(--hidden "$ROOT/source/hidden"); fi
mkdir -p "$ROOT/results"
exec "$PYTHON" -m docchat_lab gradescope-run "$ROOT/submission" "$ROOT/results/results.json" \\
    ${HIDDEN[@]+"${HIDDEN[@]}"}
"""


def build_autograder(kit: Path, target: Path, hidden: Path | None = None) -> Path:
    """The zip to upload to Gradescope: setup.sh and run_autograder at its root, the kit beside
    them (never solutions/ or tests/), and the hidden checks if given."""
    file(target, "--out")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:  # whole or not at all: a zip cut short would upload, and fail only on Gradescope
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in (("setup.sh", SETUP), ("run_autograder", RUN)):
                info = zipfile.ZipInfo(name)
                info.external_attr = (stat.S_IFREG | 0o755) << 16
                archive.writestr(info, text)
            for part in KIT_PARTS:
                _add(archive, kit / part, part)
            if hidden is not None:
                _add(archive, hidden, "hidden")
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target


def _add(archive: zipfile.ZipFile, path: Path, name: str) -> None:
    if path.is_file():
        archive.write(path, name)
        return
    for item in sorted(path.rglob("*")):
        if item.is_file() and "__pycache__" not in item.parts and not item.name.endswith(".pyc"):
            archive.write(item, f"{name}/{item.relative_to(path).as_posix()}")
