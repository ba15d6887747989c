"""Submission times: a time the instructor gives wins; else a zip's newest file time, read in the
course's timezone; a folder, or a zip without a valid time, has none (and says why)."""

import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from docchat_lab.grading.course import CourseError
from docchat_lab.grading.submission_times import (
    GIVEN,
    NO_TIME,
    NO_ZIP_TIME,
    ZIP_TIMES,
    read_times,
    submission_times,
    unmatched,
    zip_time,
)

PARIS = ZoneInfo("Europe/Paris")


def make_zip(path: Path, times: list[tuple[int, ...]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for index, moment in enumerate(times):
            archive.writestr(zipfile.ZipInfo(f"exercises/f{index}.py", moment), "x = 1\n")
        archive.writestr(zipfile.ZipInfo("exercises/", (2030, 1, 1, 0, 0, 0)), "")
    return path


def test_the_newest_file_time_in_the_course_timezone(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "ada.zip", [(2026, 3, 1, 9, 0, 0), (2026, 3, 2, 21, 30, 4)])
    # The folder entry's later time is not a file's: it does not count.
    assert zip_time(path, PARIS) == datetime(2026, 3, 2, 21, 30, 4, tzinfo=PARIS)
    # The same zip read for a course in New York is another instant.
    assert zip_time(path, ZoneInfo("America/New_York")) != zip_time(path, PARIS)


def test_impossible_file_times_are_skipped(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "ada.zip", [(2026, 3, 1, 9, 0, 0)])
    data = bytearray(path.read_bytes())
    # Set the month of the first entry's time to 0 in the central directory, as a hand-made
    # zip can: that entry has no valid time, and the zip has no other file.
    central = data.rindex(b"PK\x01\x02", 0, data.rindex(b"PK\x01\x02"))
    date = int.from_bytes(data[central + 14 : central + 16], "little")
    data[central + 14 : central + 16] = (date & ~(0xF << 5)).to_bytes(2, "little")
    path.write_bytes(bytes(data))
    assert zip_time(path, PARIS) is None


def test_a_file_that_is_not_a_zip_has_no_time(tmp_path: Path) -> None:
    path = tmp_path / "ada.zip"
    path.write_bytes(b"PK\x03\x04 not really")
    assert zip_time(path, PARIS) is None


def test_sources_in_order_of_trust(tmp_path: Path) -> None:
    root = tmp_path / "round"
    root.mkdir()
    make_zip(root / "ada.zip", [(2026, 3, 2, 10, 0, 0)])
    make_zip(root / "grace.zip", [(2026, 3, 2, 10, 0, 0)])
    (root / "alan").mkdir()
    (root / "broken.zip").write_bytes(b"garbage")
    given = {"grace": datetime(2026, 3, 1, 8, 0, tzinfo=PARIS)}
    found = submission_times(root, ["ada", "grace", "alan", "broken", "absent"], PARIS, given)
    assert found["ada"].at == datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)
    assert found["ada"].source == ZIP_TIMES
    assert (found["grace"].at, found["grace"].source) == (given["grace"], GIVEN)
    assert (found["alan"].at, found["alan"].source) == (None, NO_TIME)
    assert (found["broken"].at, found["broken"].source) == (None, NO_ZIP_TIME)
    assert found["absent"].at is None
    everyone = datetime(2026, 3, 5, 12, 0, tzinfo=PARIS)
    again = submission_times(root, ["ada", "alan"], PARIS, everyone=everyone)
    assert {f.at for f in again.values()} == {everyone}
    assert {f.source for f in again.values()} == {GIVEN}


def test_a_csv_of_times(tmp_path: Path) -> None:
    path = tmp_path / "times.csv"
    path.write_text(
        "\ufefflearner,submitted_at\nada,2026-03-02T23:00\ngrace,2026-03-03T08:00:00+00:00\n",
        encoding="utf-8",
    )
    times = read_times(path, PARIS)
    assert times["ada"] == datetime(2026, 3, 2, 23, 0, tzinfo=PARIS)
    assert times["grace"].utcoffset().total_seconds() == 0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("who,when\nada,2026-03-02\n", "learner and submitted_at"),
        ("learner,submitted_at\nada,soon\n", "line 2"),
        ("learner,submitted_at\nada,2026-03-02\nada,2026-03-03\n", "appears twice"),
    ],
)
def test_a_bad_csv_of_times_is_refused(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "times.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CourseError, match=named):
        read_times(path, PARIS)


def test_names_that_are_no_submission_are_named_with_a_likely_match() -> None:
    ids = ["ada", "grace"]
    assert unmatched(["ada", "grace"], ids, "--learner") is None
    message = unmatched(["Grace", "ada", "nobdy", "nobdy"], ids, "--submission-times")
    assert message == (
        "--submission-times: no submission has the id 'Grace' (did you mean 'grace'?), 'nobdy'"
    )
