"""The learner's commands: lab, check, watch, progress, reset."""

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from docchat_lab import project

if TYPE_CHECKING:
    from docchat_lab.grading.manifest import Exercise


def _chosen(names: list[str], every: bool) -> "list[Exercise] | None":
    from docchat_lab.grading.manifest import exercises, find

    try:
        chosen = list(exercises()) if every else [find(n) for n in names]
    except KeyError as exc:
        print(f"docchat-lab: {exc.args[0]}", file=sys.stderr)
        return None
    if not chosen:
        print("docchat-lab: name an exercise (e.g. ex03) or use --all", file=sys.stderr)
        return None
    return chosen


def _folder(given: str | None) -> Path | None:
    folder = Path(given) if given else project.exercises_dir()
    if not folder.is_dir():
        print(f"docchat-lab: no folder {folder}", file=sys.stderr)
        return None
    return folder.resolve()


def _check(args: argparse.Namespace) -> int:
    from docchat_lab.feedback import all_passed, as_text
    from docchat_lab.learner_check import record_progress, run_checks

    chosen, folder = _chosen(args.exercises, args.all), _folder(args.dir)
    if chosen is None or folder is None:
        return 2
    results = run_checks(chosen, folder)
    record_progress(chosen, results, folder)
    if args.json:
        print(json.dumps([r.to_dict() for r in results]))
    else:
        titles = {e.id: e.title for e in chosen}
        print("\n\n".join(as_text(r, titles[r.exercise]) for r in results))
    return 0 if all(all_passed(r) for r in results) else 1


def _watch(args: argparse.Namespace) -> int:
    from docchat_lab.feedback import as_text
    from docchat_lab.learner_check import record_progress, run_checks, unit_files
    from docchat_lab.watch import watch

    chosen, folder = _chosen([args.exercise], False), _folder(args.dir)
    if chosen is None or folder is None:
        return 2
    [exercise] = chosen

    def run() -> str:
        results = run_checks(chosen, folder)
        record_progress(chosen, results, folder)
        return as_text(results[0], exercise.title)

    watch(unit_files(exercise, folder), run, stop_after=args.stop_after)
    return 0


def _progress(args: argparse.Namespace) -> int:
    from docchat_lab.grading.manifest import exercises
    from docchat_lab.learner_check import unit_files
    from docchat_lab.progress import render

    folder = project.exercises_dir()
    units = [(e.id, e.title, unit_files(e, folder)) for e in exercises()]
    print(f"Your progress ({project.state_dir().name}/progress.json, kept between sessions):")
    print(render(project.state_dir(), units))
    return 0


def _reset(args: argparse.Namespace) -> int:
    from docchat_lab.exercise_gen import generated_files
    from docchat_lab.history import keep_version
    from docchat_lab.learner_check import unit_files

    chosen = _chosen([args.exercise], False)
    if chosen is None:
        return 2
    [exercise] = chosen
    folder, root = project.exercises_dir(), project.project_root()
    fresh = generated_files(project.solutions_dir())[exercise.file]
    target = folder / exercise.file
    if target.is_file() and target.read_text(encoding="utf-8") != fresh:
        kept = keep_version(project.state_dir(), exercise.id, unit_files(exercise, folder), folder)
        if kept is not None:
            where = (kept / exercise.file).relative_to(root)
            print(f"your version is kept as {where}", file=sys.stderr)
            print(f"  (to get it back: cp {where} exercises/)", file=sys.stderr)
    folder.mkdir(exist_ok=True)
    target.write_text(fresh, encoding="utf-8")
    print(f"exercises/{exercise.file} is back to its starting point", file=sys.stderr)
    return 0


def _lab(args: argparse.Namespace) -> int:
    from docchat_lab.lab_launcher import start_lab

    return start_lab(project.project_root(), args.jupyter_args)


# Options `docchat-lab lab` passes on to jupyter lab unread (e.g. --no-browser, --port=9999).
PASSES_ON = {"lab"}


def add_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    lab = commands.add_parser(
        "lab",
        help="open JupyterLab on the project, notebook 00 first",
        description="Any other option goes to jupyter lab, e.g. docchat-lab lab --port=9999",
    )
    lab.set_defaults(handler=_lab, jupyter_args=[])

    check = commands.add_parser("check", help="run an exercise's checks on your folder")
    check.add_argument("exercises", nargs="*", help="e.g. ex03 (or 3)")
    check.add_argument("--all", action="store_true", help="every exercise")
    check.add_argument("--dir", help="the folder to check (default: exercises/)")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.set_defaults(handler=_check)

    watch = commands.add_parser("watch", help="re-run an exercise's checks every time you save")
    watch.add_argument("exercise", help="e.g. ex03 (or 3)")
    watch.add_argument("--dir", help="the folder to check (default: exercises/)")
    watch.add_argument("--stop-after", type=int, help="stop after this many runs (scripts)")
    watch.set_defaults(handler=_watch)

    progress = commands.add_parser("progress", help="which exercises pass so far")
    progress.set_defaults(handler=_progress)

    reset = commands.add_parser(
        "reset", help="put one exercise back to its start (your version is kept)"
    )
    reset.add_argument("exercise")
    reset.set_defaults(handler=_reset)
