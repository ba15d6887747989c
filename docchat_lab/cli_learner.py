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


def _folder(given: str | None, exercise: "Exercise") -> Path | None:
    from docchat_lab.learner_check import default_folder

    folder = Path(given) if given else default_folder(exercise)
    if not folder.is_dir():
        print(f"docchat-lab: no folder {folder}", file=sys.stderr)
        return None
    return folder.resolve()


def _check(args: argparse.Namespace) -> int:
    from docchat_lab.feedback import all_passed, as_text
    from docchat_lab.learner_check import record_progress, run_checks, with_earned_hints

    chosen = _chosen(args.exercises, args.all)
    if chosen is None:
        return 2
    results = []
    for exercise in chosen:  # a stage is checked in the learner's package, a drill in exercises/
        folder = _folder(args.dir, exercise)
        if folder is None:
            return 2
        done = run_checks([exercise], folder)
        record_progress([exercise], done, folder)
        results += done
    if args.json:  # the notebook's check() earns the hints itself
        print(json.dumps([r.to_dict() for r in results]))
    else:
        shown = (with_earned_hints(e, r) for e, r in zip(chosen, results, strict=True))
        print("\n\n".join(as_text(r, e.title) for e, r in zip(chosen, shown, strict=True)))
    return 0 if all(all_passed(r) for r in results) else 1


def _watch(args: argparse.Namespace) -> int:
    from docchat_lab.feedback import as_text
    from docchat_lab.learner_check import record_progress, run_checks, unit_files
    from docchat_lab.watch import watch

    chosen = _chosen([args.exercise], False)
    if chosen is None:
        return 2
    [exercise] = chosen
    folder = _folder(args.dir, exercise)
    if folder is None:
        return 2

    def run() -> str:
        results = run_checks(chosen, folder)
        record_progress(chosen, results, folder)
        return as_text(results[0], exercise.title)

    watch(unit_files(exercise, folder), run, stop_after=args.stop_after)
    return 0


def _progress(args: argparse.Namespace) -> int:
    from docchat_lab.grading.manifest import exercises, stages
    from docchat_lab.learner_check import default_folder, unit_files
    from docchat_lab.progress import render

    units = [(e.id, e.title, unit_files(e, default_folder(e))) for e in (*stages(), *exercises())]
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
    if exercise.package is not None:
        return _reset_stage(exercise.number)
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


def _reset_stage(stage: int) -> int:
    from docchat_lab.stages import workspace

    try:
        saved, reset = workspace.reset_stage(stage)
    except workspace.WorkspaceError as exc:
        print(f"docchat-lab: {exc}", file=sys.stderr)
        return 2
    if saved.folder is not None:
        print(f"your version is kept in {workspace.shown(saved.folder)}", file=sys.stderr)
    for line in reset:
        print(f"back to its stub: {line}", file=sys.stderr)
    return 0


def _start(args: argparse.Namespace) -> int:
    from docchat_lab.stages import workspace

    target, created = workspace.start()
    shown = workspace.shown(target)
    print(f"created {shown}/: your DocChat" if created else f"{shown}/ is already there: kept")
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

    start = commands.add_parser("start", help="create your own DocChat package, my_docchat/")
    start.set_defaults(handler=_start)

    check = commands.add_parser("check", help="run a stage's (or a drill's) checks on your work")
    check.add_argument("exercises", nargs="*", help="a stage, e.g. 03 (or a drill, e.g. ex03)")
    check.add_argument("--all", action="store_true", help="every drill")
    check.add_argument("--dir", help="the folder to check (default: my_docchat/ or exercises/)")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.set_defaults(handler=_check)

    watch = commands.add_parser("watch", help="re-run a stage's checks every time you save")
    watch.add_argument("exercise", help="a stage, e.g. 03 (or a drill, e.g. ex03)")
    watch.add_argument("--dir", help="the folder to check (default: my_docchat/ or exercises/)")
    watch.add_argument("--stop-after", type=int, help="stop after this many runs (scripts)")
    watch.set_defaults(handler=_watch)

    progress = commands.add_parser("progress", help="which stages and drills pass so far")
    progress.set_defaults(handler=_progress)

    reset = commands.add_parser(
        "reset", help="put one stage (or drill) back to its start (your version is kept)"
    )
    reset.add_argument("exercise")
    reset.set_defaults(handler=_reset)
