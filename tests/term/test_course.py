"""The course file: what it accepts, what it refuses (naming the key), and how it reads times."""

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from docchat_lab.grading.course import CourseError, LatePolicy, load_course, parse_time
from docchat_lab.grading.overrides import load_overrides

PARIS = ZoneInfo("Europe/Paris")
BASE = """
learner = [
  { id = "ada", name = "Ada Lovelace", email = "ada@example.edu" },
  { id = "grace", name = "Grace Hopper", email = "grace@example.edu" },
]

[course]
timezone = "Europe/Paris"

[due]
ex01 = 2026-03-02T23:59:00
ex03 = "2026-03-16"

[[extension]]
learner = "grace"
unit = "ex03"
until = "2026-03-18T12:00:00Z"

[late]
policy = "percent_per_day"
percent_per_day = 15
max_percent = 40
grace_minutes = 10
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "course.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_full_course_file_is_read(tmp_path: Path) -> None:
    course = load_course(write(tmp_path, BASE))
    assert [learner.id for learner in course.learners] == ["ada", "grace"]
    assert course.learner("grace") is not None
    assert course.learner("grace").email == "grace@example.edu"  # type: ignore[union-attr]
    # A time without an offset is in the course's timezone; a unit is named by its id.
    assert course.due["ex01"] == datetime(2026, 3, 2, 23, 59, tzinfo=PARIS)
    # A bare date means its last second.
    assert course.due["ex03"] == datetime(2026, 3, 16, 23, 59, 59, tzinfo=PARIS)
    assert course.late == LatePolicy("percent_per_day", 15, 40, timedelta(minutes=10))
    assert course.overrides is None


def test_an_extension_moves_one_learners_deadline_for_its_unit_only(tmp_path: Path) -> None:
    course = load_course(write(tmp_path, BASE))
    extended = datetime(2026, 3, 18, 12, tzinfo=ZoneInfo("UTC"))
    assert course.due_for("grace", "ex03") == (extended, True)
    assert course.due_for("grace", "ex01") == (course.due["ex01"], False)
    assert course.due_for("ada", "ex03") == (course.due["ex03"], False)
    assert course.due_for("ada", "ex05") == (None, False)


def test_an_extension_without_a_unit_covers_every_unit(tmp_path: Path) -> None:
    text = BASE.replace('unit = "ex03"\n', "")
    course = load_course(write(tmp_path, text))
    assert course.due_for("grace", "ex01")[1] is True
    assert course.due_for("grace", "ex03")[1] is True


@pytest.mark.parametrize(
    ("policy", "days", "percent"),
    [
        (LatePolicy("none"), 3, 0),
        (LatePolicy("zero"), 1, 100),
        (LatePolicy("percent_per_day", 15, 40), 0, 0),
        (LatePolicy("percent_per_day", 15, 40), 1, 15),
        (LatePolicy("percent_per_day", 15, 40), 2, 30),
        (LatePolicy("percent_per_day", 15, 40), 5, 40),  # the cap
    ],
)
def test_late_policies(policy: LatePolicy, days: int, percent: float) -> None:
    assert policy.percent(days) == percent


def test_overrides_file_beside_the_course_is_found(tmp_path: Path) -> None:
    (tmp_path / "overrides.toml").write_text("", encoding="utf-8")
    assert load_course(write(tmp_path, BASE)).overrides == tmp_path / "overrides.toml"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (("[late]", "[late]\npercent_per_days = 3"), "percent_per_days"),
        (('timezone = "Europe/Paris"', 'timezone = "Mars/Olympus"'), "Mars/Olympus"),
        (("ex01 = 2026", "ex99 = 2026"), "ex99"),
        (('ex03 = "2026-03-16"', 'ex03 = "next tuesday"'), "next tuesday"),
        (('policy = "percent_per_day"', 'policy = "half"'), "half"),
        (("percent_per_day = 15", "percent_per_day = 150"), "percent_per_day"),
        (('learner = "grace"', 'learner = "gracie"'), "gracie"),
        (('id = "grace"', 'id = "ada"'), "appears twice"),
        (('id = "grace"', 'id = "grace hopper"'), "grace hopper"),
        (('email = "grace@example.edu"', 'email = "grace"'), "has no @"),
        (("[course]", 'nickname = "x"\n[course]'), "nickname"),
        (("[late]", "[late\n"), "not valid TOML"),
        (("ex03 = ", 'learner = [{ id = "x" }]\nex03 = '), "move it above"),
        (("ex01 = 2026-03-02T23:59:00", "ex01 = 9999-12-31"), "outside the years 1970 to 2200"),
        (("2026-03-18T12:00:00Z", "1900-01-01T00:00:00Z"), "outside the years"),
    ],
)
def test_mistakes_are_refused_with_a_message_that_names_them(
    tmp_path: Path, change: tuple[str, str], named: str
) -> None:
    old, new = change
    assert old in BASE
    with pytest.raises(CourseError, match=named.replace("(", r"\(")):
        load_course(write(tmp_path, BASE.replace(old, new, 1)))


def test_a_missing_course_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CourseError, match=r"nowhere\.toml"):
        load_course(tmp_path / "nowhere.toml")


def test_times_with_an_offset_keep_it() -> None:
    moment = parse_time("2026-03-16T22:59:00Z", PARIS, "here")
    assert moment == datetime(2026, 3, 16, 23, 59, tzinfo=PARIS)
    assert moment.utcoffset() == timedelta(0)


def test_an_extension_never_brings_a_deadline_forward(tmp_path: Path) -> None:
    # Every unit "until 5 March" leaves ex03 (due 16 March) where it was; so does a mistyped
    # month in an extension for one unit.
    text = BASE.replace('unit = "ex03"\n', "").replace("2026-03-18T12:00:00Z", "2026-03-05")
    course = load_course(write(tmp_path, text))
    assert course.due_for("grace", "ex01") == (datetime(2026, 3, 5, 23, 59, 59, tzinfo=PARIS), True)
    assert course.due_for("grace", "ex03") == (course.due["ex03"], False)
    course = load_course(write(tmp_path, BASE.replace("2026-03-18T12:00:00Z", "2026-02-18")))
    assert course.due_for("grace", "ex03") == (course.due["ex03"], False)


@pytest.mark.parametrize("text", ["2026-03-16", "20260316", "2026-W12-1"])
def test_every_way_of_writing_a_date_alone_means_its_last_second(text: str) -> None:
    assert parse_time(text, PARIS, "here") == datetime(2026, 3, 16, 23, 59, 59, tzinfo=PARIS)


def test_a_course_file_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "course.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    assert [learner.id for learner in load_course(path).learners] == ["ada", "grace"]


LMS_IDS = {
    "canvas_id": ("1001", "1001"),
    "sis_user_id": ("S1001", "s1001"),
    "sis_login_id": ("ada", "ADA"),
    "idnumber": ("S1001", "S1001"),
    "email": ("ada@example.edu", "Ada@Example.edu"),
}


@pytest.mark.parametrize("key", LMS_IDS)
def test_two_learners_sharing_an_lms_id_are_refused_naming_both(tmp_path: Path, key: str) -> None:
    # An LMS would give both learners one row's grades; it compares ids and emails by case.
    first, second = LMS_IDS[key]
    text = BASE.replace('email = "ada@example.edu"', f'{key} = "{first}"')
    text = text.replace('email = "grace@example.edu"', f'{key} = "{second}"')
    with pytest.raises(CourseError) as caught:
        load_course(write(tmp_path, text))
    message = str(caught.value)
    assert f"{key} {second!r} appears twice" in message
    assert "learner 1 (ada)" in message
    assert "learner 2 (grace)" in message


def test_learners_may_share_a_name_or_section(tmp_path: Path) -> None:
    text = BASE.replace('name = "Grace Hopper"', 'name = "Ada Lovelace"')
    assert len(load_course(write(tmp_path, text)).learners) == 2


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("2026-03-29T02:30", "does not exist in Europe/Paris"),  # spring forward
        ("2026-10-25T02:30", "happens twice in Europe/Paris"),  # fall back
    ],
)
def test_a_local_time_the_clocks_skip_or_repeat_is_refused(text: str, named: str) -> None:
    with pytest.raises(CourseError, match=named):
        parse_time(text, PARIS, "[due] ex01")


def test_a_time_in_a_clock_change_with_its_offset_is_taken() -> None:
    moment = parse_time("2026-10-25T02:30+01:00", PARIS, "here")
    assert moment.utcoffset() == timedelta(hours=1)


def test_an_override_written_twice_is_refused(tmp_path: Path) -> None:
    entry = '[[override]]\nlearner = "ada"\nunit = "ex01"\npoints = 2\nreason = "r"\nby = "M"\n'
    path = tmp_path / "overrides.toml"
    path.write_text(entry + entry.replace("points = 2", "points = 1") + entry, encoding="utf-8")
    with pytest.raises(CourseError, match="override 3 repeats override 1 \\(ada ex01\\)"):
        load_overrides(path)
