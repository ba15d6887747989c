"""Notebook suite: the wall time of running every notebook under nbval, as the test command does.

    python -m bench.notebook_suite
    python -m bench.notebook_suite --quick      # one notebook, to prove it runs

Runs `python -m pytest notebooks/` (nbval in strict mode, the project's own options, both cores
with xdist as in CI) and times it end to end; a JUnit report gives each notebook's share.
The goal comes from the notebooks' issue: the whole suite well under a minute on 2 cores.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from bench.report import Goal, Report, main_for

GOAL_SECONDS = 60.0
ROOT = Path(__file__).resolve().parent.parent


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", default="2", help="xdist workers (default: %(default)s)")


def run(args: argparse.Namespace) -> Report:
    report = Report("notebook_suite", "Notebook suite: wall time of every notebook under nbval")
    targets = ["notebooks/00_start_here.ipynb"] if args.quick else ["notebooks"]
    with tempfile.TemporaryDirectory() as folder:
        junit = Path(folder) / "junit.xml"
        command = [
            sys.executable,
            "-m",
            "pytest",
            *targets,
            "-q",
            "--no-cov",
            "-n",
            args.workers,
            "--dist",
            "loadfile",
            f"--junitxml={junit}",
        ]
        started = time.perf_counter()
        done = subprocess.run(
            command,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        seconds = time.perf_counter() - started
        per_notebook: dict[str, float] = defaultdict(float)
        cells = 0
        if junit.exists():
            for case in ET.parse(junit).getroot().iter("testcase"):
                # classname is "notebooks.04_async_done_right.ipynb"
                name = (case.get("classname") or "?").removeprefix("notebooks.")
                per_notebook[name.removesuffix(".ipynb")] += float(case.get("time", 0))
                cells += 1
    invalid = (
        "" if done.returncode == 0 else f"pytest failed: {done.stdout.strip().splitlines()[-1:]}"
    )
    report.goals.append(
        Goal(
            "notebook suite wall time",
            seconds,
            GOAL_SECONDS,
            "s",
            higher_is_better=False,
            reason="see the per-notebook times",
            invalid=invalid,
        )
    )
    report.columns = ["notebook", "seconds (sum of its cells)"]
    report.rows = [[name, f"{t:.1f}"] for name, t in sorted(per_notebook.items())]
    report.notes.append(
        f"{cells} cells checked; command: python -m pytest {' '.join(targets)} --no-cov "
        f"-n {args.workers} --dist loadfile"
    )
    return report


def main() -> int:
    return main_for(run, __doc__, configure)


if __name__ == "__main__":
    raise SystemExit(main())
