"""The exercises' manifest (docchat_lab/exercises.toml) and their check functions."""

import importlib
import importlib.util
import inspect
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

MANIFEST = Path(__file__).resolve().parent.parent / "exercises.toml"
STAGES = Path(__file__).resolve().parent.parent / "stages.toml"
CheckFunction = Callable[[Any], None]


@dataclass(frozen=True)
class Exercise:
    id: str
    slug: str
    title: str
    notebook: str
    points: float
    hint: str
    hints: dict[str, str] = field(default_factory=dict)
    # A stage of the learner's own package: the package's name, and tiers of hints per check.
    package: str | None = None
    tiers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # A unit whose checks do more than one run's time limit allows (stage 08 serves copies of
    # DocChat to a whole test module, nine times) is given at least this many seconds.
    min_time_s: float = 0.0

    @property
    def file(self) -> str:
        return f"{self.package}/" if self.package else f"{self.slug}.py"

    @property
    def number(self) -> int:
        return int(self.id[-2:])

    def checks_module(self) -> ModuleType:
        return importlib.import_module(f"docchat_lab.checks.{self.slug}")

    def checks(self) -> list[tuple[str, CheckFunction]]:
        return checks_in(self.checks_module())

    def params(self) -> "RunParams":
        """Values the judge picks afresh for each run: inputs the worker gets, and secrets.

        The checks module's `params()` makes them; the names in its `SECRETS` (expected values
        and anything else only the judge needs) never leave the judge.
        """
        module = self.checks_module()
        make = getattr(module, "params", None)
        values = dict(make()) if make else {}
        secret = set(getattr(module, "SECRETS", ()))
        return RunParams(
            inputs={k: v for k, v in values.items() if k not in secret},
            secrets={k: v for k, v in values.items() if k in secret},
        )

    def needs_main_process(self) -> bool:
        """False when the checks start the learner's processes themselves (served-app runs)."""
        return bool(getattr(self.checks_module(), "MAIN_PROCESS", True))

    def busy(self) -> int:
        """About how many processes a run keeps busy at once: the learner's main one, if it has
        one, and those of its served-app runs (a checks module's VERDICTS), all started at once."""
        verdicts = getattr(self.checks_module(), "VERDICTS", None)
        served = int(getattr(verdicts, "busy", 0))
        return max(1, served + (1 if self.needs_main_process() else 0))

    def served_apps(self) -> tuple[str, ...]:
        """The kit apps (module names) this exercise serves to the learner's tests, if any."""
        return tuple(getattr(self.checks_module(), "SERVED_APPS", ()))

    def hint_for(self, check: str) -> str:
        tiers = self.tiers.get(check)
        if tiers:
            return tiers[0]
        return self.hints.get(check, self.hint)

    def hint_tiers(self, check: str) -> tuple[str, ...]:
        """A check's hints from a nudge to the answer; the stage's hint when it has none."""
        return self.tiers.get(check) or (self.hints.get(check, self.hint),)


@dataclass(frozen=True)
class RunParams:
    inputs: dict[str, Any]
    secrets: dict[str, Any]


def checks_in(module: ModuleType) -> list[tuple[str, CheckFunction]]:
    """The module's `test_*` functions, in the order they are written."""
    found = [
        (name, fn)
        for name, fn in vars(module).items()
        if name.startswith("test_") and inspect.isfunction(fn) and fn.__module__ == module.__name__
    ]
    return sorted(found, key=lambda item: item[1].__code__.co_firstlineno)


@cache
def exercises() -> tuple[Exercise, ...]:
    """The drills: separate small apps, one file each."""
    return _read(MANIFEST, "exercise")


@cache
def stages() -> tuple[Exercise, ...]:
    """The stages of the learner's own DocChat, in order."""
    return _read(STAGES, "stage")


def _read(path: Path, table: str) -> tuple[Exercise, ...]:
    """A manifest's units; a stage's per-check hints are tiers, a drill's a single hint each."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    package = data.get("package")
    units = []
    for item in data.get(table, []):
        hints = item.get("hints", {})
        units.append(
            Exercise(
                id=item["id"],
                slug=item["slug"],
                title=item["title"],
                notebook=item["notebook"],
                points=float(item["points"]),
                hint=item["hint"],
                hints={} if package else dict(hints),
                package=package,
                tiers={n: tuple(t) for n, t in hints.items()} if package else {},
                min_time_s=float(item.get("min_time_s", 0.0)),
            )
        )
    return tuple(units)


def graded_units() -> tuple[Exercise, ...]:
    """What a grade run covers by default: the stages of the learner's DocChat, then the drills."""
    return (*stages(), *exercises())


def find(name: str) -> Exercise:
    """A stage by number ("3", "03"), id ("stage03", "s03") or slug; or an exercise ("ex03")."""
    wanted = name.strip().lower()
    digits = wanted.removeprefix("stage").removeprefix("s").strip(" _-")
    if digits.isdigit():
        wanted = f"stage{int(digits):02d}"
    for exercise in (*stages(), *exercises()):
        if wanted in (exercise.id, exercise.slug):
            return exercise
    known = ", ".join(e.id for e in (*stages(), *exercises()))
    raise KeyError(f"no stage or exercise {name!r}; there are {known}")


def served_apps(slugs: list[str]) -> list[str]:
    """The kit apps the exercises with these slugs serve to learners' tests."""
    wanted = set(slugs)
    chosen = [e for e in (*exercises(), *stages()) if e.slug in wanted]
    return sorted({app for e in chosen for app in e.served_apps()})


def hidden_checks(folder: Path, exercise: Exercise) -> list[tuple[str, CheckFunction]]:
    """An instructor's extra checks: `<folder>/<slug>.py` with `test_*` functions, if present."""
    path = folder / exercise.file
    if not path.is_file():
        return []
    spec = importlib.util.spec_from_file_location(f"hidden_checks.{exercise.slug}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return checks_in(module)
