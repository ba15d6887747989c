"""The course file (course.toml): roster, due dates, extensions, late policy and LMS ids.

Every value is checked when the file is read, and a mistake is reported with the key it is
under, so a typo never turns into a silent zero. Times without a zone (a due date written
`2026-03-16T23:59`, or a zip's file times) are read in the course's timezone.
"""

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from docchat_lab.grading.learner_ids import learner_id
from docchat_lab.grading.manifest import find

POLICIES = ("none", "zero", "percent_per_day")
YEARS = (1970, 2200)  # the years a due date, extension or submission time may be in
# The fields an LMS (or a submission's name) tells learners apart by: no two learners may share
# one. Compared letters' case aside, as LMSs and case-insensitive file systems do.
UNIQUE_FIELDS = ("id", "email", "canvas_id", "sis_user_id", "sis_login_id", "idnumber")
LEARNER_FIELDS = (
    "id",
    "name",
    "email",
    "canvas_id",
    "sis_user_id",
    "sis_login_id",
    "section",
    "idnumber",
)


class CourseError(ValueError):
    """The course file (or a time given on the command line) says something we cannot use."""


@dataclass(frozen=True)
class Learner:
    id: str
    name: str = ""
    email: str = ""
    canvas_id: str = ""  # Canvas's "ID" column
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    idnumber: str = ""  # Moodle's "ID number"


@dataclass(frozen=True)
class Extension:
    learner: str
    unit: str | None  # None: every unit
    until: datetime


@dataclass(frozen=True)
class LatePolicy:
    kind: str = "none"
    percent_per_day: float = 0.0
    max_percent: float = 100.0
    grace: timedelta = timedelta(0)

    def percent(self, days: int) -> float:
        if days <= 0 or self.kind == "none":
            return 0.0
        if self.kind == "zero":
            return 100.0
        return min(days * self.percent_per_day, self.max_percent)


@dataclass(frozen=True)
class Course:
    path: Path
    name: str = ""
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    learners: tuple[Learner, ...] = ()
    due: dict[str, datetime] = field(default_factory=dict)
    extensions: tuple[Extension, ...] = ()
    late: LatePolicy = field(default_factory=LatePolicy)
    overrides: Path | None = None
    canvas_assignments: dict[str, str] = field(default_factory=dict)
    moodle_match: str = "email"
    moodle_items: dict[str, str] = field(default_factory=dict)

    def learner(self, learner: str) -> Learner | None:
        return next((entry for entry in self.learners if entry.id == learner), None)

    def due_for(self, learner: str, unit: str) -> tuple[datetime | None, bool]:
        """The learner's deadline for a unit (None: no due date), and whether it was extended."""
        granted = [
            e.until for e in self.extensions if e.learner == learner and e.unit in (unit, None)
        ]
        due = self.due.get(unit)
        # An extension never brings a deadline forward: one for every unit until 5 March says
        # nothing about a unit due on the 16th, and a mistyped month must not make work late.
        if granted and (due is None or max(granted) > due):
            return max(granted), True
        return due, False


def parse_time(value: Any, zone: ZoneInfo, where: str) -> datetime:
    """An ISO 8601 time; without an offset it is in `zone`; a bare date means its last second."""
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:  # any date alone (2026-03-16, 20260316, 2026-W12-1) means its last second
            try:
                value = date.fromisoformat(text)
            except ValueError:
                value = datetime.fromisoformat(text)
        except ValueError:
            raise CourseError(
                f"{where}: {value!r} is not a time; write it like 2026-03-16T23:59"
            ) from None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else _local(value, zone, where)
    elif isinstance(value, date):
        moment = _local(datetime.combine(value, time(23, 59, 59)), zone, where)
    else:
        raise CourseError(f"{where}: {value!r} is not a time; write it like 2026-03-16T23:59")
    # A year like 9999 is a typo, and adding grace minutes to it overflows.
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise CourseError(
            f"{where}: {moment.isoformat()} is outside the years {YEARS[0]} to {YEARS[1]}"
        )
    return moment


def _local(naive: datetime, zone: ZoneInfo, where: str) -> datetime:
    """`naive` read in `zone`; a wall-clock time the clocks skip or repeat there is refused,
    as Python would silently pick an hour for it."""
    moment = naive.replace(tzinfo=zone)
    shown = naive.isoformat(timespec="minutes")
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise CourseError(
            f"{where}: {shown} does not exist in {zone.key} (the clocks skip that hour); "
            "give another time, or its UTC offset (e.g. +01:00)"
        )
    second = naive.replace(tzinfo=zone, fold=1)
    if moment.utcoffset() != second.utcoffset():
        raise CourseError(
            f"{where}: {shown} happens twice in {zone.key} (the clocks go back); add which "
            f"one you mean: {moment.isoformat(timespec='minutes')} or "
            f"{second.isoformat(timespec='minutes')}"
        )
    return moment


def read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        # utf-8-sig: Windows editors save a byte order mark, which TOML does not allow
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise CourseError(f"cannot read the {what} {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CourseError(f"{path} is not valid TOML: {exc}") from None


def load_course(path: Path) -> Course:
    data = read_toml(path, "course file")
    _only(data, {"course", "late", "due", "learner", "extension", "lms"}, "the course file")
    head = _table(data, "course")
    _only(head, {"name", "timezone", "overrides"}, "[course]")
    try:
        zone = ZoneInfo(str(head.get("timezone", "UTC")))
    except (ZoneInfoNotFoundError, ValueError):
        raise CourseError(
            f"[course] timezone {head.get('timezone')!r} is not a timezone name "
            "(e.g. Europe/Paris, America/New_York, UTC)"
        ) from None
    learners = _learners(data.get("learner", []))
    known = {entry.id for entry in learners}
    if "learner" in _table(data, "due"):  # TOML puts keys written after [due] inside it
        raise CourseError("the learner list is inside [due]: move it above the first [table]")
    due = {
        _unit(key, "[due]"): parse_time(v, zone, f"[due] {key}")
        for key, v in _table(data, "due").items()
    }
    overrides = head.get("overrides")
    beside = path.parent / "overrides.toml"
    lms = _table(data, "lms")
    _only(lms, {"canvas", "moodle"}, "[lms]")
    canvas, moodle = _table(lms, "canvas", "lms."), _table(lms, "moodle", "lms.")
    _only(canvas, {"assignments"}, "[lms.canvas]")
    _only(moodle, {"match", "items"}, "[lms.moodle]")
    match = moodle.get("match", "email")
    if match not in ("email", "idnumber"):
        raise CourseError(f'[lms.moodle] match is "email" or "idnumber", not {match!r}')
    return Course(
        path=path,
        name=str(head.get("name", "")),
        timezone=zone,
        learners=learners,
        due=due,
        extensions=tuple(_extension(e, known, zone) for e in _list(data, "extension")),
        late=_late(_table(data, "late")),
        overrides=(path.parent / str(overrides))
        if overrides
        else (beside if beside.is_file() else None),
        canvas_assignments={
            _unit(k, "[lms.canvas] assignments"): str(v)
            for k, v in _table(canvas, "assignments", "lms.canvas.").items()
        },
        moodle_match=match,
        moodle_items={
            _unit(k, "[lms.moodle] items"): str(v)
            for k, v in _table(moodle, "items", "lms.moodle.").items()
        },
    )


def _learners(entries: Any) -> tuple[Learner, ...]:
    if not isinstance(entries, list):
        raise CourseError("learner must be a list of tables: [[learner]] id = ...")
    learners: list[Learner] = []
    seen: dict[tuple[str, str], tuple[str, str]] = {}  # (field, casefolded) -> (where, value)
    for index, entry in enumerate(entries, 1):
        where = f"learner {index}"
        if not isinstance(entry, dict):
            raise CourseError(f"{where} is not a table")
        _only(entry, set(LEARNER_FIELDS), where)
        values = {key: str(entry.get(key, "")).strip() for key in LEARNER_FIELDS}
        ident = values["id"]
        if not ident or learner_id(ident) != ident:
            raise CourseError(
                f"{where}: id {ident!r} must name a submission: letters, digits, '.', '_', '-'"
            )
        if values["email"] and "@" not in values["email"]:
            raise CourseError(f"{where} ({ident}): email {values['email']!r} has no @")
        for key in UNIQUE_FIELDS:
            value = values[key]
            if not value:
                continue
            other, known = seen.setdefault((key, value.casefold()), (f"{where} ({ident})", value))
            if other != f"{where} ({ident})":
                also = f" as {known!r}" if known != value else ""
                raise CourseError(
                    f"{key} {value!r} appears twice on the roster: {other}{also} and "
                    f"{where} ({ident}); each learner needs their own"
                )
        learners.append(Learner(**values))
    return tuple(learners)


def _extension(entry: Any, known: set[str], zone: ZoneInfo) -> Extension:
    if not isinstance(entry, dict):
        raise CourseError("extension must be a list of tables: [[extension]] learner = ...")
    _only(entry, {"learner", "unit", "until", "reason"}, "[[extension]]")
    who = str(entry.get("learner", ""))
    if who not in known:
        raise CourseError(f"[[extension]] for {who!r}: no such learner on the roster")
    unit = _unit(str(entry["unit"]), "[[extension]] unit") if "unit" in entry else None
    if "until" not in entry:
        raise CourseError(f"[[extension]] for {who}: say until when, e.g. until = 2026-03-18")
    return Extension(who, unit, parse_time(entry["until"], zone, f"[[extension]] for {who}"))


def _late(table: dict[str, Any]) -> LatePolicy:
    _only(table, {"policy", "percent_per_day", "max_percent", "grace_minutes"}, "[late]")
    kind = table.get("policy", "none")
    if kind not in POLICIES:
        raise CourseError(f"[late] policy is one of {', '.join(POLICIES)}, not {kind!r}")
    numbers = {}
    for key, low, high, default in (
        ("percent_per_day", 0, 100, 0),
        ("max_percent", 0, 100, 100),
        ("grace_minutes", 0, 7 * 24 * 60, 0),
    ):
        value = table.get(key, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            raise CourseError(f"[late] {key} must be a number from {low} to {high}, not {value!r}")
        numbers[key] = float(value)
    if kind == "percent_per_day" and not numbers["percent_per_day"]:
        raise CourseError('[late] policy "percent_per_day" needs percent_per_day = (1 to 100)')
    return LatePolicy(
        kind,
        numbers["percent_per_day"],
        numbers["max_percent"],
        timedelta(minutes=numbers["grace_minutes"]),
    )


def _unit(name: str, where: str) -> str:
    try:
        return find(name).id
    except KeyError as exc:
        raise CourseError(f"{where}: {exc.args[0]}") from None


def _table(data: dict[str, Any], key: str, prefix: str = "") -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise CourseError(f"[{prefix}{key}] must be a table")
    return value


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise CourseError(f"{key} must be a list of tables: [[{key}]]")
    return value


def _only(data: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise CourseError(
            f"{where}: unknown key {', '.join(unknown)}; known: {', '.join(sorted(allowed))}"
        )
