"""The learner's package at any stage, generated from the reference `docchat/` and its markers."""

import re
from collections.abc import Callable
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
    """Relative path -> the names of the top-level definitions the learner writes in `stage`."""
    from docchat_lab.stages.definitions import enclosing_top_level

    return _names_by_file(stage, enclosing_top_level)


def learner_members(stage: int) -> dict[str, list[str]]:
    """Like `learner_files`, but a class's part is named by member: `OpenAIChatClient.answer`."""
    from docchat_lab.stages.definitions import enclosing_member

    return _names_by_file(stage, enclosing_member)


def _names_by_file(
    stage: int, name_of: Callable[[str, markers.Solution], str]
) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path, text in reference_sources().items():
        for solution in markers.parse(text, path).solutions():
            if solution.stage == stage:
                names = found.setdefault(path, [])
                if (name := name_of(text, solution)) not in names:
                    names.append(name)
    return found


def stages_touching(path: str) -> list[int]:
    text = reference_sources()[path]
    return sorted(markers.parse(text, path).stages())
