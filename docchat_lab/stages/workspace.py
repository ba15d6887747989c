"""The learner's own DocChat: where it lives, how it starts, and how a stage is reset safely.

Nothing here ever loses the learner's work: every file is copied into the history folder
(`.docchat-lab/history/<unit>/<n>-<time>/`) before it is changed, and the copy's place is reported.
"""

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from docchat_lab import history, project
from docchat_lab.stages import definitions, package

STATE_DIR = ".docchat-lab"
PACKAGE_ENV = "DOCCHAT_LAB_PACKAGE"
README = """# my_docchat: your own DocChat

You build this package yourself, stage by stage, in the notebooks (`notebooks/01_*` to `08_*`).
Each function marked `TODO(stage NN)` is yours to write in stage NN; its docstring says what it
must do. Everything else is given. Check a stage with `check("03")` in a notebook, or in a
terminal: `docchat-lab check 03`, `docchat-lab watch 03`, `docchat-lab progress`.

Nothing is ever lost: `docchat-lab reset 03` puts stage 03's functions back to their stubs and
keeps your version in `.docchat-lab/history/`.
"""


class WorkspaceError(Exception):
    """Something the learner can fix: the message says what."""


def lab_root() -> Path:
    return project.project_root()


def package_dir() -> Path:
    """The learner's package: `my_docchat/` at the lab root (DOCCHAT_LAB_PACKAGE overrides)."""
    if override := os.environ.get(PACKAGE_ENV):
        return Path(override).resolve()
    return lab_root() / package.LEARNER


def state_dir() -> Path:
    """Progress, history and build records, beside the package."""
    return package_dir().parent / STATE_DIR


def shown(path: Path) -> str:
    """A path as the learner sees it: relative to the lab, never the machine's."""
    for base in (lab_root(), package_dir().parent):
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return path.name


def start() -> tuple[Path, bool]:
    """Create the learner's package from the starting point, unless it exists. (path, created)"""
    target = package_dir()
    if target.exists():
        return target, False
    # Written aside, then renamed into place: two notebooks starting at once (Run All in two
    # tabs) both see a whole package, and never a half-written one.
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".my_docchat-", dir=target.parent) as aside:
        draft = package.write_snapshot(0, Path(aside), target.name)
        (draft / "README.md").write_text(README, encoding="utf-8")
        try:
            draft.rename(target)
        except OSError:  # another start won the race: theirs is the same package
            if not (target / "__init__.py").is_file():
                raise
            return target, False
    return target, True


def require() -> Path:
    target = package_dir()
    if not (target / "__init__.py").is_file():
        raise WorkspaceError(
            f"there is no {package.LEARNER}/ package yet: run `docchat-lab start` "
            "(or the first cell of any notebook) to create it"
        )
    return target


@dataclass(frozen=True)
class Saved:
    folder: Path | None  # None: there was nothing to keep
    files: list[str]


def save_versions(unit: str, relative_paths: list[str]) -> Saved:
    """Keep these files of the package as the unit's next version in the history."""
    root = require()
    kept = history.keep_version(state_dir(), unit, [root / r for r in relative_paths], root.parent)
    return Saved(kept, [r for r in relative_paths if (root / r).is_file()])


def stub_of(relative: str, name: str) -> str | None:
    """Definition `name` of file `relative` as the starting package has it."""
    text = package.snapshot(0)[relative]
    return definitions.source_of(text, name, relative)


def reset_stage(stage: int) -> tuple[Saved, list[str]]:
    """Put the definitions the learner writes in `stage` back to their stubs; keep the old ones."""
    root = require()
    touched = package.learner_files(stage)
    if not touched:
        raise WorkspaceError(f"stage {stage:02d} has nothing to write")
    saved = save_versions(f"stage{stage:02d}", sorted(touched))
    reset: list[str] = []
    for relative, names in touched.items():
        path = root / relative
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(package.snapshot(0)[relative], encoding="utf-8")
            reset += [f"{relative}: {name}" for name in names]
            continue
        text = path.read_text(encoding="utf-8")
        stubs = "\n\n\n".join(s for name in names if (s := stub_of(relative, name)) is not None)
        try:
            text, written = definitions.replace(text, stubs, shown(path))
        except definitions.DefinitionError as exc:
            where = shown(saved.folder) if saved.folder else "the history"
            raise WorkspaceError(f"{exc}; fix it, or restore the whole file from {where}") from None
        path.write_text(text, encoding="utf-8")
        reset += [f"{relative}: {name}" for name in written]
    return saved, reset


def unwritten(up_to_stage: int) -> list[str]:
    """`file: name` of each definition of stages 1..N that is still exactly its stub."""
    root = require()
    left = []
    for stage in range(1, up_to_stage + 1):
        left += stubs_left(stage, lambda relative: _read(root / relative))
    return left


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def by_file(left: list[str]) -> dict[str, list[str]]:
    """`file: name` items grouped: file -> names, in order."""
    grouped: dict[str, list[str]] = {}
    for item in left:
        relative, name = item.split(": ", 1)
        grouped.setdefault(relative, []).append(name)
    return grouped


MAX_READ = 64 * 1024


def stubs_left(stage: int, read: Callable[[str], str]) -> list[str]:
    """`file: name` of each definition of `stage` that `read(file)` still holds as its stub."""
    left = []
    for relative, names in package.learner_members(stage).items():
        text = read(relative)
        if len(text) > MAX_READ:
            continue  # no stub file is near this long; the grader would parse it once per name
        for name in names:
            stub = stub_of(relative, name)
            try:
                mine = definitions.source_of(text, name, relative)
            except definitions.DefinitionError:
                continue  # a syntax error is not a stub: the check will say where
            if stub is None:
                continue
            if mine is None:
                left.append(f"{relative}: {name} (not in the file)")
            elif mine.strip() == stub.strip():
                left.append(f"{relative}: {name}")
    return left
