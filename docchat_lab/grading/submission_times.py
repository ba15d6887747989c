"""When each learner submitted: a time the instructor gives, or else the file times in a zip.

A zip stores each file's time as a wall-clock reading with no timezone (the clock of the
machine that made it). We read it in the course's timezone and take the newest file time:
when the learner last changed anything in it. Those times are the learner's own machine's
word, so a time from the LMS, given with --submitted-at or --submission-times, wins.
A folder has no trustworthy time (copying resets it): without a given time, it has none.
"""

import csv
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from docchat_lab.grading.course import CourseError, parse_time
from docchat_lab.grading.submissions import collect

ZIP_TIMES = "zip file times"
GIVEN = "given by the instructor"
NO_TIME = "unknown: a folder, and no time was given"
NO_ZIP_TIME = "unknown: the zip holds no valid file time"


@dataclass(frozen=True)
class SubmittedAt:
    at: datetime | None
    source: str


def zip_time(path: Path, zone: ZoneInfo) -> datetime | None:
    """The newest valid file time inside the zip, read in `zone`; None when there is none."""
    newest: datetime | None = None
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist()[:5000]:
                if info.is_dir():
                    continue
                try:
                    moment = datetime(*info.date_time, tzinfo=zone)
                except (TypeError, ValueError):
                    continue  # month 0 and the like: a hand-made or damaged entry
                newest = moment if newest is None or moment > newest else newest
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError):
        return None
    return newest


def read_times(path: Path, zone: ZoneInfo) -> dict[str, datetime]:
    """A CSV with the columns `learner` and `submitted_at` (as an LMS export can give)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise CourseError(f"cannot read {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise CourseError(f"{path} is not a UTF-8 CSV file: {exc}") from None
    if rows and not {"learner", "submitted_at"} <= set(rows[0]):
        raise CourseError(f"{path} needs the columns learner and submitted_at")
    times: dict[str, datetime] = {}
    for number, row in enumerate(rows, 2):
        learner = (row.get("learner") or "").strip()
        if learner in times:
            raise CourseError(f"{path} line {number}: {learner} appears twice")
        times[learner] = parse_time(row.get("submitted_at") or "", zone, f"{path} line {number}")
    return times


def submission_times(
    root: Path,
    learners: list[str],
    zone: ZoneInfo,
    given: dict[str, datetime] | None = None,
    everyone: datetime | None = None,
) -> dict[str, SubmittedAt]:
    """Each learner's time: `given` for them, else `everyone`, else their zip's file times."""
    given = given or {}
    # An empty wanted set: collect() only names the submissions, it reads no file.
    sources = {s.learner: s.source for s in collect(root, set())[0]}
    found = {}
    for learner in learners:
        if learner in given or everyone is not None:
            found[learner] = SubmittedAt(given.get(learner, everyone), GIVEN)
            continue
        source = sources.get(learner)
        if source is None or source.suffix.lower() != ".zip":
            found[learner] = SubmittedAt(None, NO_TIME)
            continue
        moment = zip_time(source, zone)
        found[learner] = SubmittedAt(moment, ZIP_TIMES if moment else NO_ZIP_TIME)
    return found


def unmatched(names: list[str], ids: list[str], what: str) -> str | None:
    """A message naming each of `names` that is no submission's id, or None when all are.

    A name the LMS spells otherwise (`Grace` for `grace`) would be ignored silently: a late
    time, or a regrade, that never happens."""
    known = set(ids)
    by_case = {learner.casefold(): learner for learner in ids}
    missing = [name for name in dict.fromkeys(names) if name not in known]
    if not missing:
        return None
    shown = [
        f"{name!r} (did you mean {by_case[name.casefold()]!r}?)"
        if name.casefold() in by_case
        else repr(name)
        for name in missing
    ]
    return f"{what}: no submission has the id {', '.join(shown)}"
