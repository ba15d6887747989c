"""The learner's package at any stage, generated from the reference `docchat/` and its markers."""

import re
from functools import cache
from pathlib import Path

from docchat_lab.stages import markers

REFERENCE = "docchat"
LEARNER = "my_docchat"
LAST_STAGE = 8
_IMPORT = re.compile(r"^(?P<lead>\s*(?:from|import)\s+)docchat(?=[.\s]|$)", re.MULTILINE)
# Dotted names in strings: "docchat.main:create_app" for uvicorn, logger names.
_QUOTED = re.compile(r"(?P<quote>[\"'])docchat(?=[.:])")


def reference_dir() -> Path:
    import docchat

    return Path(docchat.__file__).resolve().parent


def rename(text: str, name: str) -> str:
    """Point the reference's own imports at package `name` instead of `docchat`."""
    if name == REFERENCE:
        return text
    text = _IMPORT.sub(lambda m: m["lead"] + name, text)
    return _QUOTED.sub(lambda m: m["quote"] + name, text)


@cache
def reference_sources() -> dict[str, str]:
    """Relative path -> text of every file of the reference package, markers included."""
    root = reference_dir()
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*.py"))
        if "__pycache__" not in path.parts
    }


def snapshot(stage: int, name: str = LEARNER) -> dict[str, str]:
    """Relative path -> text of the package as it stands at `stage` (0: the starting point)."""
    if not 0 <= stage <= LAST_STAGE:
        raise ValueError(f"stages run from 0 to {LAST_STAGE}, not {stage}")
    return {
        path: rename(markers.snapshot(text, stage, f"docchat/{path}"), name)
        for path, text in reference_sources().items()
    }


def write_snapshot(stage: int, parent: Path, name: str = LEARNER) -> Path:
    """Write the package at `stage` into `parent/name`; the folder must not exist yet."""
    target = parent / name
    target.mkdir(parents=True)
    for relative, text in snapshot(stage, name).items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return target


def learner_files(stage: int) -> dict[str, list[str]]:
    """Relative path -> the names of the definitions the learner writes in `stage`."""
    found: dict[str, list[str]] = {}
    for path, text in reference_sources().items():
        for solution in markers.parse(text, path).solutions():
            if solution.stage == stage:
                names = found.setdefault(path, [])
                name = _top_level_name(text, solution)
                if name not in names:
                    names.append(name)
    return found


def _top_level_name(text: str, solution: markers.Solution) -> str:
    """The top-level definition a solution sits in (a method's class, a function)."""
    from docchat_lab.stages.definitions import enclosing_top_level

    return enclosing_top_level(text, solution)


def stages_touching(path: str) -> list[int]:
    text = reference_sources()[path]
    return sorted(markers.parse(text, path).stages())
