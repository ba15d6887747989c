"""Goals, reports, the machine they ran on, and their sections of bench/RESULTS.md."""

import argparse
import datetime as dt
import importlib.metadata
import os
import platform
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
LIBRARIES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "h11",
    "uvloop",
    "httptools",
    "anyio",
    "sqlalchemy",
    "pydantic",
    "pydantic-settings",
    "httpx2",
)
_HEADER = """# Benchmark results

Written by the benchmarks themselves: `python -m bench` runs them all, and each
`python -m bench.NAME` rewrites only its own section. Each section names the command that
produced it, when, and on which machine. Numbers measured side by side in one run are
comparable; numbers from different sections or days are not. A goal that is missed stays
here as MISSED, with the reason.
"""


@dataclass
class Goal:
    """One promise, its measured value, and whether the measurement meets it."""

    name: str
    measured: float
    target: float
    unit: str
    higher_is_better: bool
    reason: str = ""  # why it was missed, shown only then
    note: str = ""  # shown either way
    # Set when the run itself went wrong (failed requests): then no number meets the goal.
    invalid: str = ""

    @property
    def met(self) -> bool:
        if self.invalid:
            return False
        if self.higher_is_better:
            return self.measured >= self.target
        return self.measured <= self.target

    def row(self) -> str:
        sign = ">=" if self.higher_is_better else "<="
        why = self.invalid or self.reason or "no reason recorded"
        status = "met" if self.met else f"**MISSED**: {why}"
        if self.note:
            status += f" ({self.note})"
        return (
            f"| {self.name} | {_number(self.measured)} {self.unit} | "
            f"{sign} {_number(self.target)} {self.unit} | {status} |"
        )


@dataclass
class Report:
    """What one benchmark measured: its goals, a table of details, and notes on method."""

    key: str
    title: str
    goals: list[Goal] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    command: str = ""
    alone: str = ""  # when run by `python -m bench`: the command that runs this one alone
    quick: bool = False
    # Set while a benchmark cannot run yet: says what is missing. Shown instead of goals.
    todo: str = ""
    # Set by run_one: how busy the machine was when the benchmark began, and how long it took.
    load_at_start: float | None = None
    seconds: float | None = None

    def markdown(self, machine_line: str, when: str) -> str:
        lines = [f"## {self.title}", ""]
        alone = f" (this one alone: `{self.alone}`)" if self.alone else ""
        lines.append(f"- command: `{self.command}`{alone}")
        took = f", took {self.seconds:.0f} s" if self.seconds is not None else ""
        quick = " (quick mode: tiny sizes, not a measurement)" if self.quick else ""
        lines.append(f"- run: {when}{took}{quick}")
        load = (
            f", load average {self.load_at_start:.2f} when it began"
            if self.load_at_start is not None
            else ""
        )
        lines.append(f"- machine: {machine_line}{load}")
        if self.todo:
            lines += ["", f"**TODO**, not measured yet: {self.todo}"]
        if self.goals:
            lines += ["", "| goal | measured | target | status |", "|---|---|---|---|"]
            lines += [goal.row() for goal in self.goals]
        if self.rows:
            lines += ["", "| " + " | ".join(self.columns) + " |"]
            lines.append("|" + "---|" * len(self.columns))
            lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        if self.notes:
            lines += [""] + [f"- {note}" for note in self.notes]
        return "\n".join(lines) + "\n"

    def text(self) -> str:
        """The report as printed to the terminal."""
        out = [f"== {self.title}"]
        if self.todo:
            out.append(f"  TODO, not measured yet: {self.todo}")
        if self.rows:
            widths = [
                max(len(str(cell)) for cell in column)
                for column in zip(self.columns, *self.rows, strict=True)
            ]
            for row in [self.columns, *self.rows]:
                out.append(
                    "  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True))
                )
        for goal in self.goals:
            sign = ">=" if goal.higher_is_better else "<="
            verdict = "met" if goal.met else f"MISSED ({goal.invalid or goal.reason})"
            out.append(
                f"  goal {goal.name}: {_number(goal.measured)} {goal.unit} "
                f"(target {sign} {_number(goal.target)}) {verdict}"
            )
        out += [f"  note: {note}" for note in self.notes]
        return "\n".join(out)


def _number(value: float) -> str:
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if abs(value) >= 0.1 else f"{value:.3f}"


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _wrk_version() -> str:
    if shutil.which("wrk") is None:
        return "not installed"
    result = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    match = re.search(r"wrk (\S+)", result.stdout + result.stderr)
    return match.group(1) if match else "unknown"


def machine_summary() -> dict[str, str]:
    """What the numbers depend on: processor, cores, memory, Python, libraries, tools."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = ""
    try:
        total_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{total_kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        memory = "unknown"
    libraries = ", ".join(f"{name} {_version(name)}" for name in LIBRARIES)
    return {
        "CPU": f"{_cpu_model()} ({platform.machine()})",
        "cores": f"{os.cpu_count()} ({usable} usable by this process)",
        "memory": memory,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "SQLite": sqlite3.sqlite_version,
        "libraries": libraries,
        "wrk": _wrk_version(),
    }


def machine_line() -> str:
    summary = machine_summary()
    return (
        f"{summary['CPU']}, {summary['cores'].split(' ')[0]} cores, "
        f"Python {summary['Python'].split(' ')[-1]}"
    )


def _section_markers(key: str) -> tuple[str, str]:
    return f"<!-- bench:{key}:start -->", f"<!-- bench:{key}:end -->"


def write_results(reports: Sequence[Report], path: Path = RESULTS) -> None:
    """Replace these reports' sections (and the machine block) in `path`, keep the others."""
    existing = path.read_text() if path.exists() else ""
    sections = _read_sections(existing)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    line = machine_line()
    for report in reports:
        sections[report.key] = report.markdown(line, when)
    machine = "\n".join(f"- {name}: {value}" for name, value in machine_summary().items())
    parts = [_HEADER, "## Machine of the latest run", "", f"Updated {when}.", "", machine, ""]
    for key in _ORDER + sorted(k for k in sections if k not in _ORDER):
        if key in sections:
            start, end = _section_markers(key)
            parts += [start, sections[key].rstrip("\n"), end, ""]
    path.write_text("\n".join(parts))


# The order in which sections appear in RESULTS.md, whatever order they were run in.
_ORDER = [
    "api_overhead",
    "many_connections",
    "contention",
    "async_chat",
    "ingest_retrieval",
    "notebook_suite",
    "grading",
    "nbgrader_compare",
]


def _read_sections(text: str) -> dict[str, str]:
    found = {}
    for match in re.finditer(
        r"<!-- bench:(\w+):start -->\n(.*?)\n<!-- bench:\1:end -->", text, flags=re.DOTALL
    ):
        found[match.group(1)] = match.group(2) + "\n"
    return found


def command_line() -> str:
    """How this process was started, as a command a user can paste."""
    if sys.argv and sys.argv[0].endswith("__main__.py"):
        module = Path(sys.argv[0]).parent.name
        argv = ["python", "-m", module, *sys.argv[1:]]
    elif sys.argv and sys.argv[0].endswith(".py"):
        module = "bench." + Path(sys.argv[0]).stem
        argv = ["python", "-m", module, *sys.argv[1:]]
    else:
        argv = ["python", *sys.argv]
    return shlex.join(argv)


def parser(description: str | None) -> argparse.ArgumentParser:
    """The options every benchmark takes."""
    p = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes, only to prove the code runs; writes no results unless --results is given",
    )
    p.add_argument(
        "--results",
        type=Path,
        default=None,
        help="where to write the results (default: bench/RESULTS.md, none in quick mode)",
    )
    p.add_argument("--no-write", action="store_true", help="print only; write no results file")
    return p


def finish(reports: Sequence[Report], args: argparse.Namespace, command: str | None = None) -> int:
    """Print the reports, write them where asked; the exit code is 0 even when a goal is missed."""
    for report in reports:
        report.command = command or command_line()
        report.quick = args.quick
        print(report.text(), flush=True)
    target = args.results if args.results is not None else (None if args.quick else RESULTS)
    if target is not None and not args.no_write:
        write_results(reports, target)
        print(f"results written to {target}")
    return 0


def run_one(run: Callable[[argparse.Namespace], Report], args: argparse.Namespace) -> Report:
    """Run a benchmark, noting the load average when it began and how long it took."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    report = run(args)
    report.load_at_start = load
    report.seconds = time.perf_counter() - start
    return report


def main_for(
    run: Callable[[argparse.Namespace], Report],
    description: str | None,
    configure: Callable[[argparse.ArgumentParser], None] | None = None,
    argv: Sequence[str] | None = None,
) -> int:
    """`python -m bench.NAME`: parse the common options and the benchmark's own, run, report."""
    p = parser(description)
    if configure is not None:
        configure(p)
    args = p.parse_args(argv)
    return finish([run_one(run, args)], args)
