"""Grading throughput, before and after, side by side: seconds per full submission.

    python -m bench.grading
    python -m bench.grading --quick
    python -m bench.grading --submissions 100 --rounds 3 --before main

Each submission is a copy of `solutions/` (the slowest case: every check runs to the end), and
the class is graded exactly as an instructor grades it (`docchat_lab.grading.grade.grade`), with
the isolation this machine allows and each side's default number of runs at once. In the same
run, interleaved round by round, the same class is graded by the grader of another revision
(`--before`, by default the last one before the grader was hardened), checked out in a
temporary git worktree: so the ratio compares two graders on the same machine under the same
load. Each grading runs in a process of its own; its CPU time counts every process it started.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.report import Goal, Report, main_for

GOAL_SECONDS_PER_SUBMISSION = 0.35  # the throughput issue's goal, with the hardened sandbox
GOAL_RATIO_TO_BEFORE = 1.5  # the grader issue's bound: hardening may cost at most this much
BEFORE = "baabfee"  # main before the hardened grader (issue 11)
ROOT = Path(__file__).resolve().parent.parent
# Run in each side's own checkout: grade a class, print what it measured as one JSON line.
_DRIVER = """
import json, statistics, sys
from pathlib import Path
import inspect
from docchat_lab.grading.grade import grade
from docchat_lab.grading.manifest import exercises
jobs = int(sys.argv[3]) or None
# "drills": the same units on both sides, the eight drills (a side with stages grades them too);
# "all": what `docchat-lab grade` grades by default.
drills = [e.id for e in exercises()]
# Else a comma-separated list of units.
units = sys.argv[4]
only = {} if units == "all" else {"only": drills if units == "drills" else units.split(",")}
only = only if "only" in inspect.signature(grade).parameters else {}
result = grade(Path(sys.argv[1]), Path(sys.argv[2]), jobs=jobs, show_progress=False, **only)
runs = {}
for learner in result.learners:
    for run in learner.exercises:
        runs.setdefault(run.exercise, []).append(run.seconds)
print(json.dumps({
    "seconds": result.seconds,
    "count": len(result.learners),
    "full": sum(lr.total == result.max_total for lr in result.learners),
    "short": sorted({
        r.exercise for lr in result.learners for r in lr.exercises
        if r.score < getattr(r, "points", r.score)
    }),
    "exercises": len(result.exercises),
    "jobs": result.jobs,
    "isolation": result.isolation.split(":")[0],
    "runs": {k: statistics.median(v) for k, v in runs.items()},
}))
"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--submissions", type=int, default=100, help="class size (default: %(default)s)")
    p.add_argument("--rounds", type=int, default=2, help="rounds of before and after (default: 2)")
    p.add_argument("--before", default=BEFORE, help="the revision to compare with (git rev)")
    p.add_argument("--jobs", type=int, default=None, help="runs at once (default: each side's)")


@dataclass
class Side:
    name: str
    root: Path
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    last: dict[str, Any] = field(default_factory=dict)
    problem: str = ""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _grade(side: Side, work: Path, count: int, jobs: int | None, units: str = "drills") -> None:
    submissions = work / f"{side.name}-{units}-class"
    if not submissions.exists():
        for n in range(count):
            target = submissions / f"learner{n:03d}"
            shutil.copytree(side.root / "solutions", target)
            shutil.rmtree(target / "__pycache__", ignore_errors=True)
            if units != "drills":
                _write_finished_package(target)
    out = work / f"{side.name}-out"
    shutil.rmtree(out, ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=str(side.root))
    command = [sys.executable, "-c", _DRIVER, str(submissions), str(out), str(jobs or 0), units]
    cpu = _children_cpu()
    done = subprocess.run(
        command, cwd=side.root, env=env, capture_output=True, text=True, check=False
    )
    cpu = _children_cpu() - cpu
    if done.returncode != 0:
        side.problem = f"the {side.name} grader failed: {done.stderr.strip()[-300:]}"
        return
    side.last = json.loads(done.stdout.strip().splitlines()[-1])
    if side.last["full"] != count:
        short = ", ".join(side.last.get("short", [])) or "?"
        side.problem = (
            f"{side.name} ({units}): only {side.last['full']} of {count} got full marks; "
            f"points lost in {short}"
        )
    side.seconds.append(side.last["seconds"] / count)
    side.cpu.append(cpu / count)


def _write_finished_package(learner: Path) -> None:
    """The learner's DocChat with every stage written: the reference's solutions."""
    from docchat_lab.stages import package

    for relative, text in package.snapshot(package.LAST_STAGE).items():
        path = learner / package.LEARNER / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _checkout(revision: str, folder: Path) -> str:
    """The grader of `revision` in `folder` (a git worktree); what went wrong, if anything."""
    add = ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), revision]
    done = subprocess.run(add, capture_output=True, text=True, check=False)
    return "" if done.returncode == 0 else f"no checkout of {revision!r}: {done.stderr.strip()}"


def run(args: argparse.Namespace) -> Report:
    report = Report("grading", "Grading throughput: seconds per full submission, before and after")
    busy = os.getloadavg()[0]  # before we add our own load
    count = 4 if args.quick else args.submissions
    rounds = 1 if args.quick else getattr(args, "rounds", 2)
    revision = getattr(args, "before", BEFORE)
    after = Side("after", ROOT)
    whole = Side("whole", ROOT)  # the after side, grading what `docchat-lab grade` grades
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as folder:
        work = Path(folder)
        before = Side("before", work / "before-checkout")
        before.problem = "not measured in quick mode" if args.quick else ""
        if not before.problem:
            before.problem = _checkout(revision, before.root)
        try:
            for round_number in range(rounds):
                sides = [before, after] if round_number % 2 == 0 else [after, before]
                for side in sides:
                    if not side.problem or side is after:
                        _grade(side, work, count, args.jobs)
                # Quick mode proves the package path with stage 01 alone (stage 08 takes long).
                _grade(whole, work, count, args.jobs, units="stage01" if args.quick else "all")
        finally:
            if before.root.exists():
                remove = ["git", "-C", str(ROOT), "worktree", "remove", "--force"]
                subprocess.run([*remove, str(before.root)], capture_output=True, check=False)
    _fill(report, before, after, whole, count, revision)
    cores = os.cpu_count() or 1
    if busy > cores and not args.quick and not report.goals[0].invalid:
        report.goals[0].invalid = (
            f"not measurable here: the machine was busy before the run began (load average "
            f"{busy:.1f} on {cores} cores), so seconds are not those of a quiet machine; the "
            "ratio to before, measured side by side, still is"
        )
    return report


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _fill(
    report: Report, before: Side, after: Side, whole: Side, count: int, revision: str
) -> None:
    seconds, old = _median(after.seconds), _median(before.seconds)
    report.goals.append(
        Goal(
            "seconds per full submission (`docchat-lab grade`'s default: "
            f"{_units(whole)}), hardened sandbox",
            _median(whole.seconds),
            GOAL_SECONDS_PER_SUBMISSION,
            "s",
            higher_is_better=False,
            reason=(
                "a full submission now holds the learner's DocChat as well as the drills: "
                "stage 08 serves copies of DocChat, each with a bug, to the learner's own tests "
                f"(its run took {whole.last.get('runs', {}).get('stage08', float('nan')):.0f} s "
                "of wall time), and every stage imports and builds the learner's app afresh in "
                f"its sandbox; the eight drills alone took {_n(seconds)} s per submission"
            ),
            invalid=whole.problem,
        )
    )
    report.goals.append(
        Goal(
            f"after ÷ before ({revision}), seconds per submission of the 8 drills (all "
            "that before grades)",
            seconds / old if old == old and old else float("nan"),
            GOAL_RATIO_TO_BEFORE,
            "x",
            higher_is_better=False,
            reason="the hardened sandbox costs more than the grader issue allows",
            invalid=before.problem,
        )
    )
    report.columns = ["measure", f"before ({revision})", "after"]
    report.rows = [
        ["submissions x exercises", *[_shape(s, count) for s in (before, after)]],
        ["isolation", before.last.get("isolation", "-"), after.last.get("isolation", "-")],
        [
            "runs at once (each side's default)",
            str(before.last.get("jobs", "-")),
            str(after.last.get("jobs", "-")),
        ],
        ["rounds", str(len(before.seconds)), str(len(after.seconds))],
        ["**seconds per submission, drills** (median of rounds)", _n(old), _n(seconds)],
        [
            "CPU seconds per submission, drills, every process",
            _n(_median(before.cpu)),
            _n(_median(after.cpu)),
        ],
        ["each round's seconds per submission", _list(before.seconds), _list(after.seconds)],
        ["**seconds per full submission** (median of rounds)", "-", _n(_median(whole.seconds))],
        ["CPU seconds per full submission, every process", "-", _n(_median(whole.cpu))],
        ["each round's seconds per full submission", "-", _list(whole.seconds)],
    ]
    for exercise in sorted(whole.last.get("runs", {}) or after.last.get("runs", {})):
        report.rows.append(
            [
                f"{exercise} run, median seconds (wall, in parallel, full submission)",
                _n(before.last.get("runs", {}).get(exercise, float("nan"))),
                _n(whole.last.get("runs", {}).get(exercise, float("nan"))),
            ]
        )
    report.notes += [
        "A full submission is what a learner hands in and `docchat-lab grade` grades by default: "
        "the learner's own DocChat (`my_docchat/`, here the reference's solutions at the last "
        "stage) and the eight drills (copies of `solutions/`). The revision before can grade "
        "only the drills, so the ratio to it compares the drills alone, graded the same way.",
        "Interleaved: round 1 grades before then after, round 2 after then before, and so on; "
        "each side's figure is the median of its rounds, measured under the same load.",
        "A run's seconds are wall time while other runs share the cores, so they add up to more "
        "than the class's wall time.",
        "nbgrader, side by side on a comparable lab: see the section 'nbgrader side by side'.",
    ]


def _units(side: Side) -> str:
    return f"{side.last['exercises']} units" if side.last else "every unit"


def _shape(side: Side, count: int) -> str:
    return f"{count} x {side.last['exercises']}" if side.last else "-"


def _n(value: float) -> str:
    return "-" if value != value else f"{value:.3f}"


def _list(values: list[float]) -> str:
    return ", ".join(f"{v:.3f}" for v in values) or "-"


def main() -> int:
    return main_for(run, __doc__, configure)


if __name__ == "__main__":
    raise SystemExit(main())
