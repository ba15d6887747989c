"""`docchat-lab`: the kit's command line (notebooks, exercises, checks, grading)."""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from docchat_lab import cli_learner, project


def _notebooks(args: argparse.Namespace) -> int:
    from docchat_lab.notebook_build import build, notebook_pairs

    pairs = notebook_pairs(project.notebooks_dir())
    chosen = [(s, t) for s, t in pairs if not args.names or any(n in s.stem for n in args.names)]
    if not chosen:
        print(f"docchat-lab: no notebook matches {args.names}", file=sys.stderr)
        return 2
    for source, target in chosen:
        print(f"building {target.name}", file=sys.stderr)
        build(source, target, run=not args.no_run)
    return 0


def _errata_map(args: argparse.Namespace) -> int:
    from docchat_lab.errata_map import find_demonstrations, missing_points, render_map

    demonstrations = find_demonstrations(project.notebooks_dir())
    target = project.project_root() / "docs" / "errata-map.md"
    target.parent.mkdir(exist_ok=True)
    target.write_text(render_map(demonstrations), encoding="utf-8")
    missing = missing_points(demonstrations)
    if missing:
        print(
            f"docchat-lab: no asserting cell yet for points {', '.join(missing)}", file=sys.stderr
        )
        return 1
    return 0


def _exercises(args: argparse.Namespace) -> int:
    from docchat_lab.exercise_gen import out_of_date, write_exercises

    solutions, target = project.solutions_dir(), project.exercises_dir()
    if args.check:
        problems = out_of_date(solutions, target)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    for name in write_exercises(solutions, target):
        print(f"wrote exercises/{name}", file=sys.stderr)
    return 0


def _unknown_learners(
    submissions: Path, learners: list[str] | None, given: dict[str, object] | None
) -> str | None:
    """What --learner and --submission-times name that no submission is, said before grading."""
    from docchat_lab.grading.submission_times import unmatched
    from docchat_lab.grading.submissions import collect

    if not learners and not given:
        return None
    try:  # an empty wanted set: only the names are read
        ids = [s.learner for s in collect(submissions, set())[0]]
    except OSError as exc:
        return f"cannot read {submissions}: {exc.strerror}"
    where = f" in {submissions}"
    return unmatched(learners or [], ids, "--learner" + where) or unmatched(
        list(given or {}), ids, "--submission-times" + where
    )


def _grade(args: argparse.Namespace) -> int:
    from docchat_lab.grading.grade import grade
    from docchat_lab.grading.isolation import Limits
    from docchat_lab.grading.outputs import OutputError, gradebook_folder, os_error
    from docchat_lab.grading.reports import summary
    from docchat_lab.term_cli import TERM_ERRORS, grading_options, keep

    submissions = Path(args.submissions)
    if not submissions.is_dir():
        print(f"docchat-lab: {submissions} is not a folder of submissions", file=sys.stderr)
        return 2
    hidden = Path(args.hidden) if args.hidden else None
    if hidden is not None and not hidden.is_dir():
        print(f"docchat-lab: --hidden {hidden} is not a folder", file=sys.stderr)
        return 2
    if args.time_limit <= 0 or args.memory_mb < 128 or (args.jobs is not None and args.jobs < 1):
        print(
            "docchat-lab: --time-limit must be > 0, --memory-mb >= 128, --jobs >= 1",
            file=sys.stderr,
        )
        return 2
    if args.only:
        from docchat_lab.grading.manifest import find

        try:
            [find(name) for name in args.only]
        except KeyError as exc:
            print(f"docchat-lab: {exc.args[0]}", file=sys.stderr)
            return 2
    out = Path(args.out)
    try:  # the output folder, course file, submission times and gradebook, before anything runs
        gradebook_folder(out)
        term = grading_options(args, hidden, out)
        problem = _unknown_learners(submissions, args.learner, term.given)
    except (*TERM_ERRORS, OutputError) as exc:
        print(f"docchat-lab: {exc}", file=sys.stderr)
        return 2
    if problem:
        print(f"docchat-lab: {problem}", file=sys.stderr)
        return 2
    try:
        out.mkdir(parents=True, exist_ok=True)
        # Grades are private, and a submission must not read them; only a folder that is ours
        # (new, empty, or a gradebook) is restricted, never someone's folder that was named.
        out.chmod(0o700)
    except OSError as exc:
        print(f"docchat-lab: --out {out}: {os_error(exc)}", file=sys.stderr)
        return 2
    limits = Limits(time_s=args.time_limit, memory_mb=args.memory_mb)
    result = grade(
        submissions.resolve(),
        out.resolve(),
        hidden=hidden.resolve() if hidden else None,
        jobs=args.jobs,
        limits=limits,
        mode=args.isolation,
        show_progress=not args.quiet,
        only=args.only,
        learners=args.learner,
    )
    print(summary(result))
    try:  # merged into the gradebook in --out: only the cells graded now change
        keep(result, out, submissions, term)
    except TERM_ERRORS as exc:
        print(f"docchat-lab: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"docchat-lab: cannot write in --out {out}: {os_error(exc)}", file=sys.stderr)
        return 2
    print(f"reports in {out}: grades.csv, grades.json, feedback/, report.html")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="docchat-lab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    nb = commands.add_parser("notebooks", help="build notebooks/*.ipynb from notebooks/src/*.py")
    nb.add_argument("names", nargs="*", help="only notebooks whose name contains one of these")
    nb.add_argument("--no-run", action="store_true", help="write the cells without running them")
    nb.set_defaults(handler=_notebooks)

    cli_learner.add_commands(commands)

    gen = commands.add_parser("exercises", help="regenerate exercises/ from solutions/")
    gen.add_argument("--check", action="store_true", help="only report whether it is in sync")
    gen.set_defaults(handler=_exercises)

    grade = commands.add_parser("grade", help="grade a class's submissions")
    grade.add_argument("submissions", help="a folder of learner folders or .zip files")
    grade.add_argument("--out", required=True, help="where to write grades and feedback")
    grade.add_argument("--hidden", help="a folder of extra checks (<exercise slug>.py)")
    grade.add_argument(
        "--jobs",
        type=int,
        help="busy processes at once (default: 8 x cores); a stage 08 run counts as 6",
    )
    grade.add_argument("--time-limit", type=float, default=20.0, help="seconds per exercise")
    grade.add_argument("--memory-mb", type=int, default=1024, help="memory per exercise")
    grade.add_argument(
        "--isolation", default="auto", choices=["auto", "root", "uid", "bwrap", "none"]
    )
    grade.add_argument("--only", nargs="+", help="grade only these exercises (e.g. ex01 ex03)")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    grade.set_defaults(handler=_grade)
    from docchat_lab.term_cli import add_commands, add_grade_options

    add_grade_options(grade)
    add_commands(commands)

    errata = commands.add_parser("errata-map", help="regenerate docs/errata-map.md")
    errata.set_defaults(handler=_errata_map)

    args, unknown = parser.parse_known_args(argv)
    if unknown and args.command in cli_learner.PASSES_ON:
        args.jupyter_args = unknown
    elif unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    result: int = args.handler(args)
    return result
