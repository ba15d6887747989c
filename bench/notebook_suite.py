"""Notebook suite: the notebooks under nbval, against the time their own cells take.

    python -m bench.notebook_suite              # start-up overhead, and the suite as CI runs it
    python -m bench.notebook_suite --busy       # the suite while two processes hog both cores
    python -m bench.notebook_suite --quick      # one notebook, to prove it runs

Measured side by side in one run:
- serially (one pytest process, one kernel at a time): the suite's wall time against the sum
  of its cells' own run times (pytest's "call" phase of every cell), so what is left is start-up:
  Python, pytest and its plugins, nbval, a kernel per notebook. Goal: at most 1.3 times.
- in parallel, two workers as the test command runs them: the wall time. Goal: under a minute.
- the start-up of one pytest process, four ways in interleaved rounds: as it was (every plugin,
  jsonschema's Lark grammars, PYTHONDONTWRITEBYTECODE forced), then with each fix in turn.
With `--busy`, the parallel run happens while two processes spin on both cores, and the goal is
that every notebook still passes: timing claims must hold on a loaded machine.

Only the plugins the notebook run needs are loaded (PYTEST_DISABLE_PLUGIN_AUTOLOAD, then `-p`),
and PYTHONDONTWRITEBYTECODE is left unset, as it is on a learner's machine.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.report import Goal, Report, main_for

ROOT = Path(__file__).resolve().parent.parent
OVERHEAD_GOAL = 1.3
WALL_GOAL_SECONDS = 60.0
# What the project's addopts need loaded, and no more (no hypothesis, schemathesis, anyio...).
PLUGINS = ["xdist.plugin", "pytest_cov.plugin", "nbval.plugin", "pytest_timeout"]


@dataclass
class SuiteRun:
    seconds: float
    passed: bool
    summary: str
    cells: int = 0
    failures: int = 0
    per_notebook: dict[str, float] = field(default_factory=dict)
    failed_notebooks: set[str] = field(default_factory=set)

    @property
    def cell_seconds(self) -> float:
        return sum(self.per_notebook.values())


def suite_command(targets: list[str], workers: int, junit: Path) -> list[str]:
    plugins = [arg for name in PLUGINS for arg in ("-p", name)]
    parallel = ["-n", str(workers), "--dist", "loadfile"] if workers > 1 else ["-n", "0"]
    return [
        *(sys.executable, "-m", "pytest", *targets, "-q", "--no-cov", *plugins, *parallel),
        *("-o", "junit_duration_report=call", f"--junitxml={junit}"),
    ]


def run_suite(targets: list[str], workers: int) -> SuiteRun:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    with tempfile.TemporaryDirectory() as folder:
        junit = Path(folder) / "junit.xml"
        started = time.perf_counter()
        done = subprocess.run(
            suite_command(targets, workers, junit),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        lines = done.stdout.strip().splitlines()
        run = SuiteRun(seconds, done.returncode == 0, lines[-1] if lines else done.stderr[-300:])
        per_notebook: dict[str, float] = defaultdict(float)
        if junit.exists():
            for case in ET.parse(junit).getroot().iter("testcase"):
                # classname is "notebooks.04_async_done_right.ipynb"
                name = (case.get("classname") or "?").removeprefix("notebooks.")
                name = name.removesuffix(".ipynb")
                per_notebook[name] += float(case.get("time", 0))
                run.cells += 1
                if case.find("failure") is not None or case.find("error") is not None:
                    run.failures += 1
                    run.failed_notebooks.add(name)
        run.per_notebook = dict(per_notebook)
    return run


def startup_seconds(rounds: int, every_way: bool = True) -> dict[str, float]:
    """One pytest process collecting one notebook, four ways, interleaved; median seconds each.

    What a process pays before its first cell, and what each of the three fixes takes off it.
    Without `every_way`, only the way the suite starts now (quick mode: proves it runs).
    """
    own = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # The project's addopts left out, so that the Lark blocker is loaded only where named.
    collect = [sys.executable, "-m", "pytest", "--co", "-q", "-o", "addopts=", "--nbval"]
    notebook = "notebooks/00_start_here.ipynb"
    needed = [arg for name in PLUGINS for arg in ("-p", name)]
    no_autoload = {**own, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    no_lark = ["-p", "tests.no_iri_grammars"]
    variants = {
        "every plugin, Lark grammars, PYTHONDONTWRITEBYTECODE=1 (as before)": (
            [*collect, notebook],
            {**own, "PYTHONDONTWRITEBYTECODE": "1"},
        ),
        "every plugin, Lark grammars": ([*collect, notebook], own),
        "only the plugins the run needs, Lark grammars": (
            [*collect, *needed, notebook],
            no_autoload,
        ),
        "only the plugins the run needs, no Lark grammars (now)": (
            [*collect, *no_lark, *needed, notebook],
            no_autoload,
        ),
    }
    if not every_way:
        variants = dict(list(variants.items())[-1:])
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, (command, env) in variants.items():
            started = time.perf_counter()
            subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=True)
            times[name].append(time.perf_counter() - started)
    return {name: sorted(values)[len(values) // 2] for name, values in times.items()}


@contextmanager
def busy_cores(count: int) -> Iterator[None]:
    """`count` processes that spin on a core each, stopped afterwards whatever happens."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=int, default=2, help="parallel workers (default: 2)")
    p.add_argument(
        "--busy", action="store_true", help="only the parallel run, with both cores hogged"
    )


def _invalid(run: SuiteRun) -> str:
    return "" if run.passed else f"pytest failed: {run.summary}"


def run(args: argparse.Namespace) -> Report:
    targets = ["notebooks/00_start_here.ipynb"] if args.quick else ["notebooks"]
    shown = " ".join(f"-p {name}" for name in PLUGINS)
    args.workers = int(args.workers)
    if getattr(args, "busy", False):
        return _busy(args, targets, shown)
    report = Report("notebook_suite", "Notebook suite: start-up overhead and wall time")
    serial = run_suite(targets, workers=1)
    # One worker is the serial run again: quick mode (the smoke test) does not run it twice.
    same = args.quick and args.workers == 1
    parallel = serial if same else run_suite(targets, workers=args.workers)
    overhead = serial.seconds / serial.cell_seconds if serial.cell_seconds else float("inf")
    report.goals.append(
        Goal(
            "serial suite ÷ its cells' own time",
            overhead,
            OVERHEAD_GOAL,
            "x",
            higher_is_better=False,
            reason="start-up (Python, pytest, plugins, a kernel per notebook) dominates",
            note=f"{serial.seconds:.1f} s for {serial.cell_seconds:.1f} s of cells",
            invalid=_invalid(serial),
        )
    )
    report.goals.append(
        Goal(
            f"suite wall time, {args.workers} workers",
            parallel.seconds,
            WALL_GOAL_SECONDS,
            "s",
            higher_is_better=False,
            reason=f"the cells alone took {parallel.cell_seconds / args.workers:.0f} s per worker "
            f"(load average {os.getloadavg()[0]:.1f} at the end: the machine was shared)",
            invalid=_invalid(parallel),
        )
    )
    report.columns = ["notebook", "its cells, serial (s)", f"its cells, {args.workers} workers (s)"]
    report.rows = [
        [name, f"{t:.1f}", f"{parallel.per_notebook.get(name, 0.0):.1f}"]
        for name, t in sorted(serial.per_notebook.items())
    ]
    for name, seconds in startup_seconds(1 if args.quick else 3, every_way=not args.quick).items():
        report.notes.append(f"start-up of one pytest process, {name}: {seconds:.1f} s")
    report.notes += [
        f"{serial.cells} cells; command: PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 python -m pytest "
        f"{' '.join(targets)} --no-cov {shown} -n 0 (serial), -n {args.workers} --dist loadfile "
        "(parallel); a cell's time is pytest's call phase (junit_duration_report=call)",
        "PYTHONDONTWRITEBYTECODE is removed from the environment of the runs (this machine sets "
        "it for every process; a learner's machine does not); jsonschema's Lark-compiled IRI "
        "format checker is kept out by the project's `-p tests.no_iri_grammars`",
    ]
    return report


def _busy(args: argparse.Namespace, targets: list[str], shown: str) -> Report:
    report = Report("notebook_suite_busy", "Notebook suite on a busy machine: both cores hogged")
    hogs = os.cpu_count() or 2
    with busy_cores(hogs):
        load_before = os.getloadavg()[0]
        busy = run_suite(targets, workers=args.workers)
        load_after = os.getloadavg()[0]
    notebooks = len(busy.per_notebook)
    passing = notebooks - len(busy.failed_notebooks)
    report.goals.append(
        Goal(
            f"notebooks passing with {hogs} spinning processes",
            passing,
            notebooks,
            "notebooks",
            higher_is_better=True,
            reason="failed: " + ", ".join(sorted(busy.failed_notebooks)),
            note=f"wall time {busy.seconds:.0f} s",
            invalid="" if notebooks else f"no notebook ran: {busy.summary}",
        )
    )
    report.columns = ["notebook", "its cells (s)", "result"]
    report.rows = [
        [name, f"{t:.1f}", "FAILED" if name in busy.failed_notebooks else "passed"]
        for name, t in sorted(busy.per_notebook.items())
    ]
    report.notes += [
        f"{hogs} processes ran `while True: pass` for the whole run (load average "
        f"{load_before:.1f} when the suite began, {load_after:.1f} when it ended), beside "
        f"{args.workers} pytest workers",
        f"{busy.cells} cells, {busy.failures} failed; pytest said: {busy.summary}",
        f"command: PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 python -m pytest {' '.join(targets)} "
        f"--no-cov {shown} -n {args.workers} --dist loadfile",
    ]
    return report


def main() -> int:
    return main_for(run, __doc__, configure)


if __name__ == "__main__":
    raise SystemExit(main())
