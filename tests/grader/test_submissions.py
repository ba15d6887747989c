"""Reading submissions trusts nothing: zip escapes, links, special files, bombs, encrypted and
corrupt zips and odd names are refused or contained, each in the learner's own row."""

import io
import os
import random
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from docchat_lab.grading import filetree
from docchat_lab.grading.submissions import MAX_FILE, Wanted, collect

WANTED = Wanted(files=frozenset({"ex01_dependencies.py", "ex03_routers.py"}))
PACKAGE = Wanted(packages=frozenset({"my_docchat"}))


def _zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_each_row_records_where_it_came_from_and_skipped_entries_say_why(tmp_path: Path) -> None:
    for name in ("ädä", "ödö"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "ex01_dependencies.py").write_text(f"who = {name!r}")
    (tmp_path / "grace.zip").write_bytes(_zip({"ex01_dependencies.py": b"x = 1"}))
    (tmp_path / "...").mkdir()
    (tmp_path / ".DS_Store").write_bytes(b"\0")
    (tmp_path / "notes.txt").write_text("hello")
    os.mkfifo(tmp_path / "pipe")
    submissions, notes = collect(tmp_path, WANTED)
    rows = {s.learner: s.shown_source for s in submissions}
    assert rows == {"ädä": "ädä", "ödö": "ödö", "grace": "grace.zip"}
    assert (
        submissions[0].files["ex01_dependencies.py"] != submissions[1].files["ex01_dependencies.py"]
    )
    assert any(n.startswith("skipped ...: ") and "dot" in n for n in notes)
    assert any(n.startswith("skipped .DS_Store") for n in notes)
    assert "skipped notes.txt: not a folder or a .zip file" in notes
    assert "skipped pipe: not a folder or a .zip file" in notes


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


def test_a_package_folder_is_taken_whole_with_its_nested_files(tmp_path: Path) -> None:
    package = tmp_path / "ada" / "work" / "my_docchat"
    (package / "api" / "__pycache__").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "api" / "routes.py").write_text("ROUTES = 1")
    (package / "api" / "__pycache__" / "routes.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "ada" / "elsewhere.py").write_text("not part of it")
    [submission], _ = collect(tmp_path, PACKAGE)
    assert submission.files == {
        "my_docchat/__init__.py": b"",
        "my_docchat/api/routes.py": b"ROUTES = 1",
    }


def test_a_package_in_a_zip_without_folder_entries_is_found(tmp_path: Path) -> None:
    # Python's zipfile, and many zip tools, store files only: the folders are implied.
    files = {"work/my_docchat/__init__.py": b"", "work/my_docchat/api/routes.py": b"R = 1"}
    (tmp_path / "ada.zip").write_bytes(_zip(files))
    [submission], _ = collect(tmp_path, PACKAGE)
    assert submission.files == {
        "my_docchat/__init__.py": b"",
        "my_docchat/api/routes.py": b"R = 1",
    }


def test_links_devices_and_fifos_are_never_followed_or_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.py"
    secret.write_text("SECRET")
    subs = tmp_path / "subs"
    (subs / "eve" / "my_docchat").mkdir(parents=True)
    (subs / "eve" / "ex01_dependencies.py").symlink_to(secret)
    (subs / "eve" / "loop").symlink_to(subs / "eve")
    (subs / "eve" / "my_docchat" / "__init__.py").symlink_to(secret)
    os.mkfifo(subs / "eve" / "ex03_routers.py")
    os.mkfifo(subs / "eve" / "my_docchat" / "fifo.py")
    [submission], _ = collect(subs, Wanted(WANTED.files, PACKAGE.packages))
    assert submission.files == {}
    assert any("symbolic link" in n for n in submission.notes)
    assert any("special file" in n for n in submission.notes)


def test_oversized_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "big").mkdir()
    (tmp_path / "big" / "ex01_dependencies.py").write_bytes(b"#" * (MAX_FILE + 1))
    [submission], _ = collect(tmp_path, WANTED)
    assert submission.files == {}
    assert any("over the 512 KB limit" in n for n in submission.notes)


def test_zip_escapes_links_and_bombs_are_refused(tmp_path: Path) -> None:
    bomb = b"\n" * (MAX_FILE * 4)  # compresses to almost nothing
    data = _zip(
        {
            "../../ex03_routers.py": b"escape",
            "/abs/ex03_routers.py": b"absolute",
            "C:/ex03_routers.py": b"a drive",
            "exercises/ex01_dependencies.py": bomb,
        }
    )
    (tmp_path / "mallory.zip").write_bytes(data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("ex03_routers.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    (tmp_path / "linky.zip").write_bytes(buffer.getvalue())
    submissions, _ = collect(tmp_path, WANTED)
    by_name = {s.learner: s for s in submissions}
    assert by_name["mallory"].files == {}
    assert by_name["linky"].files == {}
    assert sum("unsafe path" in n for n in by_name["mallory"].notes) == 3
    assert any("over the 512 KB limit" in n for n in by_name["mallory"].notes)
    assert any("symbolic link" in n for n in by_name["linky"].notes)


def _encrypted(data: bytes) -> bytes:
    """The zip with its entries flagged as encrypted, as `zip -P` writes them."""
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := out.find(signature, start)) != -1:
            (flags,) = struct.unpack_from("<H", out, start + offset)
            struct.pack_into("<H", out, start + offset, flags | 1)
            start += 4
    return bytes(out)


def _corrupt_payload(data: bytes, name: bytes, offset: int) -> bytes:
    """The zip with 8 compressed bytes of entry `name`, from `offset`, scrambled."""
    out = bytearray(data)
    start = out.find(b"PK\x03\x04")
    while start != -1:
        name_length, extra_length = struct.unpack_from("<HH", out, start + 26)
        if out[start + 30 : start + 30 + name_length] == name:
            payload = start + 30 + name_length + extra_length
            out[payload + offset : payload + offset + 8] = b"\xff" * 8
            return bytes(out)
        start = out.find(b"PK\x03\x04", start + 4)
    raise AssertionError("entry not found")


@pytest.mark.parametrize(
    ("compression", "offset", "why"),
    [
        (zipfile.ZIP_DEFLATED, 0, "could not be read (error: Error -3 while decompressing"),
        (zipfile.ZIP_LZMA, 4, "could not be read (LZMAError: Invalid or unsupported options)"),
        (zipfile.ZIP_BZIP2, 0, "could not be read (OSError: Invalid data stream)"),
    ],
)
def test_corrupt_compressed_data_makes_that_learner_unreadable(
    tmp_path: Path, compression: int, offset: int, why: str
) -> None:
    entries = {"ex01_dependencies.py": b"x = 1\n" * 200, "ex03_routers.py": b"y = 2\n" * 200}
    (tmp_path / "bad.zip").write_bytes(
        _corrupt_payload(_zip(entries, compression), b"ex03_routers.py", offset)
    )
    (tmp_path / "good.zip").write_bytes(_zip(entries, compression))
    submissions, _ = collect(tmp_path, WANTED)
    by_name = {s.learner: s for s in submissions}
    assert by_name["bad"].files == {}
    assert why in by_name["bad"].unreadable
    assert set(by_name["good"].files) == set(entries)
    assert not by_name["good"].unreadable


def test_an_encrypted_zip_is_an_unreadable_row_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "locked.zip").write_bytes(_encrypted(_zip({"ex01_dependencies.py": b"x = 1"})))
    [submission], _ = collect(tmp_path, WANTED)
    assert submission.unreadable == "the zip is encrypted (password-protected)"
    assert submission.files == {}


def test_random_corruption_of_many_zips_never_escapes(tmp_path: Path) -> None:
    """Fuzz: one byte changed at random in each of many zips, of every compression."""
    rng = random.Random(20261130)
    entries = {"work/ex01_dependencies.py": b"a = 1\n" * 300, "ex03_routers.py": b"b = 2\n" * 50}
    bases = [_zip(entries, c) for c in (zipfile.ZIP_DEFLATED, zipfile.ZIP_LZMA, zipfile.ZIP_BZIP2)]
    bases.append(_zip(entries, zipfile.ZIP_STORED))
    count = 3000
    for n in range(count):
        data = bytearray(bases[n % len(bases)])
        for _ in range(1 + n % 3):
            data[rng.randrange(len(data))] = rng.randrange(256)
        (tmp_path / f"learner{n:04d}.zip").write_bytes(bytes(data))
    submissions, notes = collect(tmp_path, WANTED)
    assert len(submissions) == count
    assert notes == []
    unreadable = [s for s in submissions if s.unreadable]
    assert unreadable, "not one corrupt zip was noticed: the fuzzing did nothing"
    for submission in submissions:
        assert submission.files or submission.unreadable or submission.notes
        for name, data in submission.files.items():
            assert filetree.check_path(name) == name
            assert len(data) <= MAX_FILE


def test_tree_paths_that_climb_out_or_hide_are_refused(tmp_path: Path) -> None:
    for bad in ["../x.py", "/etc/x", "a//b.py", "a/./b.py", "a\\b.py", "", "a/" * 9 + "b.py"]:
        with pytest.raises(filetree.TreeError):
            filetree.check_path(bad)
    with pytest.raises(filetree.TreeError, match="both a file and a folder"):
        filetree.check_tree({"pkg": b"", "pkg/x.py": b""})
    with pytest.raises(filetree.TreeError, match="files; the limit"):
        filetree.check_tree({f"f{n}.py": b"" for n in range(filetree.MAX_FILES + 1)})


def test_writing_a_tree_never_follows_a_link_or_replaces_a_file(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    root.mkdir()
    (root / "pkg").symlink_to(outside)
    with pytest.raises(NotADirectoryError):
        filetree.write_tree(root, {"pkg/evil.py": b"x"})
    assert list(outside.iterdir()) == []
    filetree.write_tree(root, {"my_docchat/__init__.py": b"", "my_docchat/api/x.py": b"X = 1"})
    assert (root / "my_docchat" / "api" / "x.py").read_bytes() == b"X = 1"
    with pytest.raises(FileExistsError):
        filetree.write_tree(root, {"my_docchat/api/x.py": b"again"})


def test_a_name_that_is_not_text_still_gets_a_row(tmp_path: Path) -> None:
    (tmp_path / os.fsdecode(b"caf\xe9")).mkdir()  # Latin-1 bytes: not UTF-8
    (tmp_path / "café").mkdir()
    submissions, notes = collect(tmp_path, WANTED)
    assert notes == []
    ids = sorted(s.learner for s in submissions)
    assert len(set(ids)) == 2
    assert "café" in ids
    for submission in submissions:
        submission.shown_source.encode("utf-8")  # printable in every report


def test_notes_about_names_that_are_not_text_can_be_written(tmp_path: Path) -> None:
    """A note quotes a file name; one of bytes that are not UTF-8 once made the reports fail."""
    learner = tmp_path / "ada"
    learner.mkdir()
    (learner / "ex01_dependencies.py").write_text("x = 1")
    (learner / os.fsdecode(b"ex\xe9.py")).symlink_to("/etc/passwd")
    [submission], _notes = collect(tmp_path, WANTED)
    assert submission.notes == ["ignored a symbolic link: ex?.py"]
