"""Exports: each file checked against what its LMS documents (tests/term/formats.py), and
compared with a golden copy in tests/term/golden/. After a deliberate change, rewrite the
golden files with `python -m tests.term.test_exports` and review the diff."""

import json
import sys
from pathlib import Path

import pytest

from docchat_lab.grading.course import load_course
from docchat_lab.grading.exports import canvas_rows, moodle_rows, write_csv
from docchat_lab.grading.gradescope import results
from docchat_lab.grading.term import apply_course
from tests.term import formats
from tests.term.books import course_files, sample_book

GOLDEN = Path(__file__).parent / "golden"


def exported(folder: Path) -> dict[str, Path | str]:
    course = load_course(course_files(folder))
    book = sample_book()
    apply_course(book, course)
    canvas, canvas_notes = canvas_rows(book, course)
    moodle, moodle_notes = moodle_rows(book, course)
    grace = next(lr for lr in book.learners if lr.learner == "grace")
    ada = next(lr for lr in book.learners if lr.learner == "ada")
    return {
        "canvas.csv": write_csv(canvas, folder / "canvas.csv"),
        "moodle.csv": write_csv(moodle, folder / "moodle.csv"),
        "gradescope_grace.json": json.dumps(results(grace), indent=2) + "\n",
        "gradescope_ada.json": json.dumps(results(ada), indent=2) + "\n",
        "notes": "\n".join(canvas_notes + moodle_notes),
    }


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path | str]:
    return exported(tmp_path)


def text(item: Path | str) -> str:
    return item.read_text(encoding="utf-8") if isinstance(item, Path) else item


@pytest.mark.parametrize(
    "name", ["canvas.csv", "moodle.csv", "gradescope_grace.json", "gradescope_ada.json"]
)
def test_exports_match_their_golden_files(files: dict[str, Path | str], name: str) -> None:
    assert text(files[name]) == (GOLDEN / name).read_text(encoding="utf-8")


def test_canvas_csv_has_canvas_columns_and_the_final_scores(files: dict[str, Path | str]) -> None:
    grades = formats.canvas(files["canvas.csv"])  # type: ignore[arg-type]
    # ex01 has a Canvas assignment id, ex03 none yet (Canvas makes one, named by title).
    assert grades["1005"] == {
        "ex01 Pagination and API-key dependencies (5001)": 9.0,  # 7.5 + an override of 1.5
        "ex03 A documents router and an app factory": 9.0,  # 10, a day late: 10% off
    }
    assert set(grades) == {"1001", "1005"}  # zed is not on the roster; nemo has no grades


def test_moodle_csv_is_matched_by_email(files: dict[str, Path | str]) -> None:
    grades = formats.moodle(files["moodle.csv"], "email")  # type: ignore[arg-type]
    assert grades["ada@example.edu"] == {
        "ex01 Pagination and API-key dependencies": 10.0,
        "Stage 3: routers": 8.18,
    }
    rows = text(files["moodle.csv"]).splitlines()
    assert rows[2].startswith("Grace Brewster,Hopper,S1005,grace@example.edu,")


def test_learners_left_out_are_named(files: dict[str, Path | str]) -> None:
    notes = text(files["notes"])
    assert "nemo has no grades yet" in notes
    assert "zed is not on the roster" in notes


def test_gradescope_results_follow_the_autograder_spec(files: dict[str, Path | str]) -> None:
    for name in ("gradescope_grace.json", "gradescope_ada.json"):
        formats.gradescope(json.loads(text(files[name])))
    ada = json.loads(text(files["gradescope_ada.json"]))
    hidden = [t for t in ada["tests"] if t["visibility"] == "hidden"]
    assert len(hidden) == 1
    assert hidden[0]["name"] == "ex03 · hidden check"
    assert hidden[0]["output"] == ""  # nothing about what it checks
    assert "test_secret" not in text(files["gradescope_ada.json"])
    grace = json.loads(text(files["gradescope_grace.json"]))
    assert grace["score"] == 18.0
    assert "1 day late" in grace["output"]
    assert "M. Hamilton" in grace["output"]


def test_a_moodle_export_by_id_number_leaves_out_learners_without_one(tmp_path: Path) -> None:
    path = course_files(tmp_path)
    path.write_text(path.read_text().replace('match = "email"', 'match = "idnumber"'))
    course = load_course(path)
    book = sample_book()
    rows, _notes = moodle_rows(book, course)
    target = write_csv(rows, tmp_path / "moodle.csv")
    assert set(formats.moodle(target, "idnumber")) == {"S1001", "S1005"}


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        for name, item in exported(Path(scratch)).items():
            if name != "notes":
                (GOLDEN / name).write_text(text(item), encoding="utf-8")
                print(f"wrote {GOLDEN / name}", file=sys.stderr)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+A1", "'+A1"),
        ("-A1", "'-A1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("-2.5", "-2.5"),  # a number stays a number
        ("+3", "+3"),
        ("ada", "ada"),
        ("", ""),
    ],
)
def test_a_cell_that_starts_like_a_formula_is_written_as_text(
    tmp_path: Path, value: str, written: str
) -> None:
    target = write_csv([["name"], [value]], tmp_path / "out.csv")
    assert target.read_text(encoding="utf-8").splitlines()[1].strip('"') == written


def test_a_csv_that_cannot_be_written_leaves_no_partial_file(tmp_path: Path) -> None:
    (tmp_path / "adir").mkdir()
    with pytest.raises(IsADirectoryError):
        write_csv([["a", "b"]], tmp_path / "adir")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir"]
