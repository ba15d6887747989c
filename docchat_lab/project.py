"""Where the kit's folders are: found from the working directory, so notebooks and CLI agree."""

import os
from pathlib import Path

_MARK = 'name = "docchat-lab"'


def project_root(start: Path | None = None) -> Path:
    """The folder holding the kit's pyproject.toml (override with DOCCHAT_LAB_ROOT)."""
    if env := os.environ.get("DOCCHAT_LAB_ROOT"):
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _MARK in pyproject.read_text(encoding="utf-8"):
            return folder
    # An installed (non-editable) kit: fall back to the folder beside the package.
    return Path(__file__).resolve().parent.parent


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def exercises_dir() -> Path:
    return project_root() / "exercises"


def solutions_dir() -> Path:
    return project_root() / "solutions"


def state_dir() -> Path:
    """The lab's own dot-folder at the root: progress and the history of your earlier versions."""
    return project_root() / ".docchat-lab"
