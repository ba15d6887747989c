"""Notebook suite: the wall time of running every notebook, as CI does. TODO placeholder.

    python -m bench.notebook_suite

TODO(notebook suite): the notebooks do not exist yet. When they do, time
`python -m pytest notebooks/` (nbval, the README's way) end to end, a few rounds, and set
GOAL_SECONDS from the notebooks' issue. Until then this prints and records a TODO.
"""

import argparse

from bench.report import Report, main_for

GOAL_SECONDS: float | None = None  # TODO(notebook suite): the target, once it is set


def configure(p: argparse.ArgumentParser) -> None:
    """TODO(notebook suite): options such as --rounds."""


def run(args: argparse.Namespace) -> Report:
    report = Report("notebook_suite", "Notebook suite: wall time of running every notebook")
    report.todo = "the notebooks are not written yet (bench/notebook_suite.py is a placeholder)"
    return report


def main() -> int:
    return main_for(run, __doc__, configure)


if __name__ == "__main__":
    raise SystemExit(main())
