"""The learner's and maintainer's commands: check, reset, exercises --check, errata-map."""

import json
import shutil
from pathlib import Path

from tests.lab_cli import lab_copy, run_lab

ROOT = Path(__file__).resolve().parents[2]


def test_check_a_broken_function_names_it_and_what_was_wrong(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    shutil.copytree(ROOT / "solutions", folder)
    answer = folder / "ex01_dependencies.py"
    answer.write_text(
        answer.read_text().replace(
            "return Page(skip=skip, limit=limit)", "return Page(skip=limit, limit=skip)"
        )
    )
    done = run_lab("check", "ex01", "--dir", str(folder))
    assert done.returncode == 1
    assert (
        "pagination(): GET /page with no query string gave {'skip': 20, 'limit': 0}" in done.stdout
    )
    assert "expected {'skip': 0, 'limit': 20}" in done.stdout


def test_check_json_output_for_the_notebook(tmp_path: Path) -> None:
    done = run_lab("check", "ex01", "--json", "--dir", str(ROOT / "solutions"))
    assert done.returncode == 0, done.stderr
    [result] = json.loads(done.stdout)
    assert result["exercise"] == "ex01"
    assert result["score"] == result["points"]


def test_check_unknown_exercise_and_missing_folder_are_clear(tmp_path: Path) -> None:
    unknown = run_lab("check", "ex99")
    assert unknown.returncode == 2
    assert "no stage or exercise 'ex99'" in unknown.stderr
    missing = run_lab("check", "ex01", "--dir", str(tmp_path / "nope"))
    assert missing.returncode == 2
    assert "no folder" in missing.stderr


def test_two_resets_keep_both_earlier_versions(tmp_path: Path) -> None:
    project = lab_copy(tmp_path)
    mine = project / "exercises" / "ex03_routers.py"
    stub = (ROOT / "exercises" / "ex03_routers.py").read_text()
    kept = []
    for attempt in ("# my first attempt\n", "# my second attempt\n"):
        mine.write_text(attempt)
        done = run_lab("reset", "ex03", cwd=project)
        assert done.returncode == 0, done.stderr
        assert mine.read_text() == stub
        [where] = [
            line.split(" as ", 1)[1] for line in done.stderr.splitlines() if " kept as " in line
        ]
        kept.append(project / where)
    assert [p.read_text() for p in kept] == ["# my first attempt\n", "# my second attempt\n"]
    assert kept[0].parent != kept[1].parent
    assert all(p.is_relative_to(project / ".docchat-lab" / "history" / "ex03") for p in kept)
    # Nothing to keep when the file is the untouched stub: no empty versions pile up.
    again = run_lab("reset", "ex03", cwd=project)
    assert " kept as " not in again.stderr
    assert len(list((project / ".docchat-lab" / "history" / "ex03").iterdir())) == 2


def test_exercises_check_reports_drift(tmp_path: Path) -> None:
    assert run_lab("exercises", "--check").returncode == 0
