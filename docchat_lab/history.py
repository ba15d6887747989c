"""Every earlier version of the learner's work, kept before anything replaces it.

A unit (an exercise file today, a stage over several files of a package tomorrow) is kept as a
numbered, timestamped folder under `.docchat-lab/history/<unit>/`, each file at its path
relative to the unit's base folder. Versions are only ever added, never overwritten.
"""

import datetime as dt
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

_VERSION = re.compile(r"^(\d+)-")


def history_dir(state: Path, unit: str) -> Path:
    return state / "history" / unit


def _number(version: Path) -> int:
    match = _VERSION.match(version.name)
    return int(match.group(1)) if match else 0


def versions(state: Path, unit: str) -> list[Path]:
    """The kept versions of `unit`, oldest first."""
    folder = history_dir(state, unit)
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if _VERSION.match(p.name)), key=_number)


def keep_version(state: Path, unit: str, files: Iterable[Path], base: Path) -> Path | None:
    """Copy the unit's files as its next version; the new folder, or None if there was none."""
    present = sorted({f for f in files if f.is_file()})
    if not present:
        return None
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = history_dir(state, unit)
    folder.mkdir(parents=True, exist_ok=True)
    number = max((_number(p) for p in versions(state, unit)), default=0) + 1
    while True:  # another reset at the same moment may have taken the number: take the next
        target = folder / f"{number:03d}-{stamp}"
        try:
            if any(folder.glob(f"{number:03d}-*")):
                raise FileExistsError(target)
            target.mkdir()
            break
        except FileExistsError:
            number += 1
    for file in present:
        copy = target / file.resolve().relative_to(base.resolve())
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, copy)
    return target
