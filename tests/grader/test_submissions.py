"""Reading submissions trusts nothing: zip escapes, symlinks, bombs and junk are refused."""

import os
import zipfile
from pathlib import Path

from docchat_lab.grading.submissions import MAX_FILE, collect, learner_id

WANTED = {"ex01_dependencies.py", "ex03_routers.py"}


def test_learner_ids_are_safe_and_unique() -> None:
    taken: set[str] = set()
    assert learner_id("Ada Lovelace", taken) == "Ada_Lovelace"
    assert learner_id("Ada Lovelace", taken) == "Ada_Lovelace-2"
    assert learner_id("../..", taken) == "learner"


def test_folder_submission_takes_only_exercise_files_from_the_shallowest_place(
    tmp_path: Path,
) -> None:
    learner = tmp_path / "ada"
    (learner / "deep" / "er").mkdir(parents=True)
    (learner / "ex01_dependencies.py").write_text("top = 1")
    (learner / "deep" / "ex01_dependencies.py").write_text("deep = 1")
    (learner / "deep" / "er" / "ex03_routers.py").write_text("x = 3")
    (learner / "notes.md").write_text("ignored")
    [submission], notes = collect(tmp_path, WANTED)
    assert submission.files == {"ex01_dependencies.py": b"top = 1", "ex03_routers.py": b"x = 3"}
    assert notes == []


def test_symlinks_are_never_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.py"
    secret.write_text("SECRET")
    subs = tmp_path / "subs"
    (subs / "eve").mkdir(parents=True)
    (subs / "eve" / "ex01_dependencies.py").symlink_to(secret)
    (subs / "eve" / "loop").symlink_to(subs / "eve")
    [submission], _ = collect(subs, WANTED)
    assert submission.files == {}
    assert any("symbolic link" in n for n in submission.notes)


def test_oversized_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "big").mkdir()
    (tmp_path / "big" / "ex01_dependencies.py").write_bytes(b"#" * (MAX_FILE + 1))
    [submission], _ = collect(tmp_path, WANTED)
    assert submission.files == {}
    assert any("over the" in n for n in submission.notes)


def test_zip_escapes_and_bombs_are_refused(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "mallory.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("../../ex03_routers.py", "escape")
        archive.writestr("/abs/ex03_routers.py", "absolute")
        archive.writestr("exercises/ex01_dependencies.py", "\n" * (MAX_FILE * 4))  # compresses tiny
    [submission], _ = collect(tmp_path, WANTED)
    assert submission.files == {}
    assert any("limit" in n or "more than" in n for n in submission.notes)


def test_corrupt_zip_and_stray_files_are_notes_not_errors(tmp_path: Path) -> None:
    (tmp_path / "broken.zip").write_bytes(os.urandom(200))
    (tmp_path / "README.txt").write_text("hello")
    (tmp_path / "empty").mkdir()
    submissions, notes = collect(tmp_path, WANTED)
    by_name = {s.learner: s for s in submissions}
    assert any("not a readable zip" in n for n in by_name["broken"].notes)
    assert by_name["empty"].notes == ["no exercise files found"]
    assert notes == ["ignored README.txt: not a folder or a .zip file"]
