import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from docchat_lab.grading.manifest import Exercise, exercises
from docchat_lab.grading.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"


def ready_exercises() -> list[Exercise]:
    """Exercises whose checks exist (all of them, once the kit is complete)."""
    return [
        e
        for e in exercises()
        if importlib.util.find_spec(f"docchat_lab.checks.{e.slug}") is not None
        and (SOLUTIONS / e.file).is_file()
    ]


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox([e.slug for e in ready_exercises()], mode="auto") as box:
        yield box
