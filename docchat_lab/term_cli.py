"""`docchat-lab` commands for running a term: the gradebook, similarity, exports, feedback
release and Gradescope. `grade` itself lives in cli.py and calls `grading_options`/`keep`."""

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from docchat_lab import project
from docchat_lab.grading.course import Course, CourseError, load_course, parse_time
from docchat_lab.grading.grade import ClassResult
from docchat_lab.grading.gradebook import GradebookError, load

TERM_ERRORS = (CourseError, GradebookError)
HELP_COURSE = "the course file (default: the one the gradebook's last run used)"


def _fail(message: str) -> int:
    print(f"docchat-lab: {message}", file=sys.stderr)
    return 2


def _course(path: str | None, book: ClassResult | None = None, required: bool = False) -> Course:
    """The course named on the command line, else the one the gradebook's last run used."""
    from docchat_lab.grading.term import recorded_course

    course = load_course(Path(path)) if path else recorded_course(book)
    if course is None and required:
        raise CourseError("name the course file: --course course.toml")
    return course  # type: ignore[return-value]


def _book(grades: str) -> ClassResult:
    book = load(Path(grades))
    if book is None:
        raise CourseError(f"no gradebook in {grades}: grade the class into it first")
    return book


def add_grade_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--course", help="course.toml: roster, due dates, late policy")
    parser.add_argument("--learner", nargs="+", help="grade only these learners (e.g. ada)")
    parser.add_argument("--submitted-at", help="one submission time for everyone graded now")
    parser.add_argument("--submission-times", help="a CSV of learner,submitted_at")


def grading_options(args: argparse.Namespace, hidden: Path | None, out: Path) -> Any:
    """The term's options of `grade`, checked before anything runs (TERM_ERRORS otherwise)."""
    from docchat_lab.grading.submission_times import read_times
    from docchat_lab.grading.term import TermOptions, course_overrides, recorded_course

    # A gradebook we could not merge into, a course file gone or an override out of range
    # stops us now, not after the whole class was graded; record_run reuses what was read.
    book = load(out)
    course = load_course(Path(args.course)) if args.course else recorded_course(book)
    zone = course.timezone if course else ZoneInfo("UTC")
    options = TermOptions(course=course, hidden=hidden, overrides=course_overrides(course))
    if args.submitted_at:
        options.everyone = parse_time(args.submitted_at, zone, "--submitted-at")
    if args.submission_times:
        options.given = read_times(Path(args.submission_times), zone)
    return options


def keep(result: Any, out: Path, submissions: Path, options: Any) -> Any:
    from docchat_lab.grading.term import record_run

    return record_run(result, out, submissions, options)


def _gradebook(args: argparse.Namespace) -> int:
    from docchat_lab.grading.reports import summary
    from docchat_lab.grading.term import refresh

    book = refresh(Path(args.grades), load_course(Path(args.course)) if args.course else None)
    print(summary(book).splitlines()[-1])
    print(f"rewrote {args.grades}: grades.csv, grades.json, feedback/, report.html")
    return 0


def _similarity(args: argparse.Namespace) -> int:
    from docchat_lab.grading.gradebook import locked
    from docchat_lab.grading.manifest import exercises, stages
    from docchat_lab.grading.outputs import gradebook_folder
    from docchat_lab.grading.reports import write_all
    from docchat_lab.grading.submissions import Wanted, collect
    from docchat_lab.grading.term_report import SIMILARITY
    from docchat_lab.stages import package

    root, out = Path(args.submissions), Path(args.out)
    if not root.is_dir():
        return _fail(f"{root} is not a folder of submissions")
    starter_dir = Path(args.starter) if args.starter else project.exercises_dir()
    if not starter_dir.is_dir():
        return _fail(f"--starter {starter_dir} is not a folder")
    if not 0 < args.threshold <= 1:
        return _fail(f"--threshold is a share of the code, above 0 and at most 1: {args.threshold}")
    gradebook_folder(out)  # said now, not after comparing the whole class
    try:  # copydetect (and its plotting library) load only when this command runs
        from docchat_lab.grading.similarity import Settings, compare_class
    except ImportError:
        return _fail("similarity needs copydetect: pip install -e '.[instructor]'")
    wanted = Wanted(
        files=frozenset(e.file for e in exercises()),
        packages=frozenset(e.package for e in stages() if e.package is not None),
    )
    submissions = {s.learner: s.files for s in collect(root, wanted)[0]}
    starter = {
        p.relative_to(starter_dir).as_posix(): p.read_bytes()
        for p in sorted(starter_dir.rglob("*"))
        if p.is_file()
    }
    # The learner's package starts as the kit wrote it: that code is nobody's copying.
    starter |= {
        f"{package.LEARNER}/{relative}": text.encode()
        for relative, text in package.snapshot(0).items()
    }
    settings = Settings(threshold=args.threshold)
    data = compare_class(submissions, starter, settings)
    data["at"] = datetime.now(UTC).isoformat(timespec="seconds")
    with locked(out):
        (out / SIMILARITY).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        book: ClassResult | None = load(out)
        if book is not None:
            write_all(book, out)
    flagged = [p for p in data["pairs"] if p["flagged"]]
    for pair in flagged:
        print(f"flagged: {pair['a']} and {pair['b']} ({pair['similarity']:.0%} alike)")
    print(f"{len(flagged)} of {len(data['pairs'])} pairs flagged; details in {out}/report.html")
    return 0


def _export(args: argparse.Namespace) -> int:
    from docchat_lab.grading.exports import canvas_rows, moodle_rows, write_csv
    from docchat_lab.grading.outputs import file

    book = _book(args.grades)
    target = Path(args.to)
    if args.format == "gradescope":
        from docchat_lab.grading.gradescope import export

        print(f"wrote {export(book, target)} results.json files under {target}")
        return 0
    course = _course(args.course, book, required=True)
    file(target, "--to")
    rows, notes = (canvas_rows if args.format == "canvas" else moodle_rows)(book, course)
    write_csv(rows, target)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"wrote {target}: {len(rows) - (2 if args.format == 'canvas' else 1)} learners")
    return 0


def _release(args: argparse.Namespace) -> int:
    from docchat_lab.grading.release import release

    book = _book(args.grades)
    course = _course(args.course, book, required=True)
    now = parse_time(args.now, course.timezone, "--now") if args.now else datetime.now(UTC)
    done = release(book, course, Path(args.to), now, early=args.early)
    for learner, units in done["learners"].items():
        states = ", ".join(f"{unit} {state}" for unit, state in units.items())
        print(f"{learner}: {states}")
    return 0


def _gradescope_autograder(args: argparse.Namespace) -> int:
    from docchat_lab.grading.gradescope import build_autograder

    hidden = Path(args.hidden) if args.hidden else None
    if hidden is not None and not hidden.is_dir():
        return _fail(f"--hidden {hidden} is not a folder")
    target = build_autograder(project.project_root(), Path(args.out), hidden)
    print(f"wrote {target}: upload it as the assignment's autograder on Gradescope")
    return 0


def _gradescope_run(args: argparse.Namespace) -> int:
    from docchat_lab.grading.gradescope import run

    submission = Path(args.submission)
    if not submission.is_dir():
        return _fail(f"{submission} is not a folder")
    hidden = Path(args.hidden) if args.hidden else None
    target = Path(args.results)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(run(submission, hidden), indent=2) + "\n", encoding="utf-8")
    return 0


def guarded(handler: Any) -> Any:
    """A term command's handler, with bad course files, gradebooks and output paths reported,
    not raised."""
    from docchat_lab.grading.outputs import OutputError, os_error

    def call(args: argparse.Namespace) -> int:
        try:
            result: int = handler(args)
        except (*TERM_ERRORS, OutputError) as exc:
            return _fail(str(exc))
        except OSError as exc:  # what no check foresaw (a full disk, no permission): no traceback
            return _fail(os_error(exc))
        return result

    return call


def add_commands(commands: Any) -> None:
    book = commands.add_parser("gradebook", help="apply course.toml and overrides to grades/")
    book.add_argument("grades", help="the folder `grade` wrote (e.g. grades/)")
    book.add_argument("--course", help=HELP_COURSE)
    book.set_defaults(handler=guarded(_gradebook))

    similar = commands.add_parser("similarity", help="find learners whose code is alike")
    similar.add_argument("submissions", help="a folder of learner folders or .zip files")
    similar.add_argument("--out", required=True, help="the grades folder (report.html)")
    similar.add_argument("--starter", help="the code learners started from (default: exercises/)")
    similar.add_argument("--threshold", type=float, default=0.5, help="share that flags a pair")
    similar.set_defaults(handler=guarded(_similarity))

    export = commands.add_parser("export", help="grades for Canvas, Moodle or Gradescope")
    export.add_argument("format", choices=["canvas", "moodle", "gradescope"])
    export.add_argument("grades", help="the grades folder")
    export.add_argument("--course", help="course.toml (the roster's LMS ids)")
    export.add_argument("--to", required=True, help="the CSV file (a folder for gradescope)")
    export.set_defaults(handler=guarded(_export))

    hand = commands.add_parser("release-feedback", help="a feedback folder per learner")
    hand.add_argument("grades", help="the grades folder")
    hand.add_argument("--course", help="course.toml (due dates and extensions)")
    hand.add_argument("--to", required=True, help="where to write a folder per learner")
    hand.add_argument("--now", help="release as of this time (default: now)")
    hand.add_argument("--early", action="store_true", help="early feedback on units not yet due")
    hand.set_defaults(handler=guarded(_release))

    zip_ = commands.add_parser("gradescope-autograder", help="the autograder zip for Gradescope")
    zip_.add_argument("--out", required=True, help="the zip to write")
    zip_.add_argument("--hidden", help="a folder of hidden checks to include")
    zip_.set_defaults(handler=guarded(_gradescope_autograder))

    inside = commands.add_parser("gradescope-run", help="grade one submission inside Gradescope")
    inside.add_argument("submission", help="the submission folder (/autograder/submission)")
    inside.add_argument("results", help="where results.json goes")
    inside.add_argument("--hidden", help="a folder of hidden checks")
    inside.set_defaults(handler=guarded(_gradescope_run))
