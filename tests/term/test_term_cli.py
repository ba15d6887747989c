"""The term's commands refuse bad input with a message that names it, before anything is
graded or written, and leave the gradebook as it was."""

import stat
import zipfile
from pathlib import Path

import pytest

from tests.lab_cli import run_lab
from tests.term.books import course_files


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    course_files(tmp_path)
    round_ = tmp_path / "round"
    round_.mkdir()
    with zipfile.ZipFile(round_ / "ada.zip", "w") as archive:
        archive.writestr("exercises/ex01_dependencies.py", "x = 1\n")
    return tmp_path


def lab(folder: Path, *args: str) -> tuple[int, str]:
    done = run_lab(*args, cwd=folder)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("name", "old", "new", "named"),
    [
        ("course.toml", "max_percent", "max_percentage", "max_percentage"),
        # Read with the course, not after the whole class was graded.
        ("overrides.toml", "points = 1.5", "points = 15", "points 15 is out of range for ex01"),
    ],
)
def test_a_mistake_in_the_course_or_its_overrides_stops_grading_before_it_starts(
    folder: Path, name: str, old: str, new: str, named: str
) -> None:
    path = folder / name
    path.write_text(path.read_text().replace(old, new))
    code, output = lab(folder, "grade", "round", "--out", "grades", "--course", "course.toml")
    assert code == 2
    assert named in output
    assert "Traceback" not in output
    assert not (folder / "grades").exists()


def test_a_bad_submission_time_is_named(folder: Path) -> None:
    code, output = lab(folder, "grade", "round", "--out", "grades", "--submitted-at", "soonish")
    assert (code, "--submitted-at" in output) == (2, True)
    times = folder / "times.csv"
    times.write_text("learner,when\nada,2026-03-01\n")
    code, output = lab(folder, "grade", "round", "--out", "g", "--submission-times", "times.csv")
    assert (code, "learner and submitted_at" in output) == (2, True)


def test_a_file_that_is_not_a_gradebook_is_left_alone(folder: Path) -> None:
    grades = folder / "grades"
    grades.mkdir()
    (grades / "grades.json").write_text("[1, 2, 3]")
    code, output = lab(folder, "grade", "round", "--out", "grades")
    assert code == 2
    assert "not a gradebook" in output
    assert (grades / "grades.json").read_text() == "[1, 2, 3]"
    assert not (grades / "report.html").exists()


def test_regrading_someone_without_a_submission_is_refused(folder: Path) -> None:
    code, output = lab(folder, "grade", "round", "--out", "grades", "--learner", "nobody")
    assert code == 2
    assert "no submission" in output
    assert "nobody" in output


def test_exports_and_release_need_a_gradebook_and_a_course(folder: Path) -> None:
    code, output = lab(folder, "export", "canvas", "grades", "--to", "canvas.csv")
    assert (code, "no gradebook in grades" in output) == (2, True)
    code, _output = lab(folder, "grade", "round", "--out", "grades", "--only", "ex01", "--quiet")
    assert code == 0
    code, output = lab(folder, "export", "moodle", "grades", "--to", "moodle.csv")
    assert (code, "--course course.toml" in output) == (2, True)
    code, output = lab(
        folder, "release-feedback", "grades", "--course", "course.toml", "--to", "h", "--now", "?"
    )
    assert (code, "--now" in output) == (2, True)
    assert not (folder / "h").exists()


def test_similarity_needs_a_folder(folder: Path) -> None:
    code, output = lab(folder, "similarity", "nowhere", "--out", "grades")
    assert (code, "nowhere is not a folder" in output) == (2, True)
    code, output = lab(folder, "similarity", "round", "--out", "grades", "--starter", "nowhere")
    assert (code, "--starter nowhere is not a folder" in output) == (2, True)
    code, output = lab(folder, "similarity", "round", "--out", "grades", "--threshold", "50")
    assert (code, "--threshold" in output) == (2, True)


def test_arguments_are_checked_before_any_folder_is_touched(folder: Path) -> None:
    """A folder others share is never made private, not even by a run that then fails."""
    shared = folder / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    for extra in (["--only", "ex99"], ["--only", "ex01"]):
        code, output = lab(folder, "grade", "round", "--out", "shared", *extra)
        assert code == 2, output
        assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert "other users may write in" in output
    code, output = lab(folder, "grade", "round", "--out", "new", "--only", "ex99")
    assert (code, (folder / "new").exists()) == (2, False)
    before = stat.S_IMODE(folder.stat().st_mode)
    code, output = lab(folder, "grade", "round", "--out", ".", "--only", "ex01")
    assert (code, "already holds other files" in output) == (2, True)
    assert stat.S_IMODE(folder.stat().st_mode) == before


def test_names_that_match_no_submission_are_refused(folder: Path) -> None:
    code, output = lab(folder, "grade", "round", "--out", "grades", "--learner", "ada", "nobdy")
    assert (code, "'nobdy'" in output, "'ada'" in output) == (2, True, False)
    code, output = lab(folder, "grade", "round", "--out", "grades", "--learner", "Ada")
    assert (code, "did you mean 'ada'" in output) == (2, True)
    (folder / "times.csv").write_text("learner,submitted_at\nAda,2026-03-02T20:00\n")
    code, output = lab(
        folder, "grade", "round", "--out", "grades", "--submission-times", "times.csv"
    )
    assert code == 2
    assert "--submission-times in round: no submission has the id 'Ada'" in output
    assert "did you mean 'ada'" in output
    assert not (folder / "grades").exists()


def test_an_output_path_of_the_wrong_kind_is_named(folder: Path) -> None:
    (folder / "afile").write_text("mine\n")
    (folder / "adir").mkdir()
    code, output = lab(folder, "grade", "round", "--out", "afile", "--only", "ex01")
    assert (code, "--out afile is not a folder" in output) == (2, True)
    code, output = lab(folder, "similarity", "round", "--out", "afile/sub")
    assert (code, "--out afile/sub is not a folder: afile is not a folder" in output) == (2, True)
    code, output = lab(folder, "grade", "round", "--out", "grades", "--only", "ex01", "--quiet")
    assert code == 0, output
    commands = [
        ["export", "canvas", "grades", "--course", "course.toml", "--to", "adir"],
        ["export", "gradescope", "grades", "--to", "afile"],
        ["release-feedback", "grades", "--course", "course.toml", "--to", "afile"],
        ["gradescope-autograder", "--out", "adir"],
    ]
    for command in commands:
        code, output = lab(folder, *command)
        assert code == 2, output
        assert "Traceback" not in output
        assert output.startswith("docchat-lab: ")
        assert command[-1] in output
    assert (folder / "afile").read_text() == "mine\n"
    assert list((folder / "adir").iterdir()) == []
    assert not list(folder.glob("*.partial"))
