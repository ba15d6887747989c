"""Grading throughput: submissions graded per minute by the instructor's grader. TODO placeholder.

    python -m bench.grading

TODO(grading): the grader does not exist yet. When it does, grade a generated class of
submissions (the reference solutions, the stubs, and the hostile ones of the threat model)
in one command and report submissions per minute; take GOAL_PER_MINUTE from the grader's
issue. Until then this prints and records a TODO.
"""

import argparse

from bench.report import Report, main_for

GOAL_PER_MINUTE: float | None = None  # TODO(grading): the target, once it is set


def configure(p: argparse.ArgumentParser) -> None:
    """TODO(grading): options such as --submissions."""


def run(args: argparse.Namespace) -> Report:
    report = Report("grading", "Grading throughput: submissions graded per minute")
    report.todo = "the grader is not written yet (bench/grading.py is a placeholder)"
    return report


def main() -> int:
    return main_for(run, __doc__, configure)


if __name__ == "__main__":
    raise SystemExit(main())
