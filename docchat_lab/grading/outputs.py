"""Where a command writes, checked before it writes anything: a file where a folder goes (or the
other way round) is said with the option that named it, never found half-way through."""

import stat
from collections.abc import Iterable
from pathlib import Path

# What `grade` and `similarity` write in their --out folder (gradebook.py, reports.py).
GRADEBOOK_NAMES = frozenset(
    {
        "grades.json",
        "grades.csv",
        "report.html",
        "feedback",
        "similarity.json",
        ".gradebook.lock",
    }
)


class OutputError(ValueError):
    """An output path the command cannot write."""


def os_error(exc: OSError) -> str:
    """An OSError as a message naming its path(s): `adir.partial -> adir: Is a directory`."""
    paths = " -> ".join(str(p) for p in (exc.filename, exc.filename2) if p is not None)
    return f"{paths}: {exc.strerror}" if paths and exc.strerror else str(exc)


def folder(path: Path, option: str) -> None:
    """`path` is a folder, or can become one: the nearest part of it that exists is a folder."""
    for part in (path, *path.parents):
        if part.is_dir():
            return
        if part.exists() or part.is_symlink():
            where = "" if part == path else f": {part} is not a folder"
            raise OutputError(f"{option} {path} is not a folder{where}")


def file(path: Path, option: str) -> None:
    """`path` is a file, or can become one."""
    if path.is_dir():
        raise OutputError(f"{option} {path} is a folder: name the file to write in it")
    folder(path.parent, option)


def files(root: Path, names: Iterable[str], option: str) -> None:
    """Every `root/name` can be written: `root` and each folder on the way are folders."""
    folder(root, option)
    for name in names:
        target = root / name
        if target.is_dir():
            raise OutputError(f"{option} {root}: {target} is a folder, not a file; move it away")
        for part in target.parents:
            if part == root:
                break
            if part.exists() and not part.is_dir():
                raise OutputError(f"{option} {root}: {part} is not a folder; move it away")


def gradebook_folder(path: Path, option: str = "--out") -> None:
    """`path` may hold grades: it is new, empty, a gradebook, or holds only what grading writes.

    A folder anyone may write in (/tmp) is refused: others could
    change the grades, and making it private would lock them out of it.
    """
    folder(path, option)
    if not path.is_dir():
        return
    if path.stat().st_mode & (stat.S_IWOTH | stat.S_ISVTX):
        raise OutputError(
            f"{option} {path} is a folder other users may write in: name a new folder "
            f"(e.g. {path / 'grades'}), which is made readable by you alone"
        )
    others = sorted(p.name for p in path.iterdir() if p.name not in GRADEBOOK_NAMES)
    if others and not (path / "grades.json").is_file():
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        raise OutputError(
            f"{option} {path} already holds other files ({shown}) and no gradebook: "
            "name a new or empty folder"
        )
