"""A learner's files as a tree of relative paths, checked on the way in and written safely out.

A submission is a set of files (`ex03_routers.py`) or a package folder (`my_docchat/api/x.py`).
Both travel from the judge to a worker as `{relative path: bytes}`. Every path is checked
here, on both sides: no `..`, no absolute path, no empty or `.` part, bounded depth, length,
count and size. Writing never follows a link and never replaces an existing file.
"""

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path

MAX_FILE = 512 * 1024
MAX_FILES = 2000
MAX_TOTAL = 16 * 1024 * 1024
MAX_DEPTH = 8
_MAX_PART = 255
_MAX_PATH = 1024


class TreeError(ValueError):
    """A path or a tree that is not allowed; the message says why, in a learner's words."""


def check_path(name: str) -> str:
    """`name` as a clean relative path ("pkg/mod.py"), or TreeError saying what is wrong."""
    if not isinstance(name, str) or not name:
        raise TreeError("an empty file name")
    shown = name[:80]
    if "\x00" in name or "\\" in name:
        raise TreeError(f"a file name with a NUL or a backslash: {shown!r}")
    if name.startswith("/"):
        raise TreeError(f"an absolute path: {shown!r}")
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise TreeError(f"a path with an empty, '.' or '..' part: {shown!r}")
    if len(parts) > MAX_DEPTH:
        raise TreeError(f"a path more than {MAX_DEPTH} folders deep: {shown!r}")
    try:
        encoded = [part.encode("utf-8") for part in parts]
    except UnicodeEncodeError:
        raise TreeError(f"a file name that is not valid text: {shown!r}") from None
    if any(len(part) > _MAX_PART for part in encoded) or len(name.encode()) > _MAX_PATH:
        raise TreeError(f"a file name that is too long: {shown!r}")
    return name


def check_tree(files: Mapping[str, bytes]) -> None:
    """The whole tree's limits: how many files, how big each one and all of them together."""
    if len(files) > MAX_FILES:
        raise TreeError(f"{len(files)} files; the limit is {MAX_FILES}")
    total = 0
    for name, data in files.items():
        check_path(name)
        if len(data) > MAX_FILE:
            raise TreeError(f"{name} is {len(data) // 1024} KB; the limit is {MAX_FILE // 1024} KB")
        total += len(data)
    if total > MAX_TOTAL:
        raise TreeError(f"{total // 1024} KB in all; the limit is {MAX_TOTAL // 1024} KB")
    names = set(files)
    for name in names:
        parent = name.rpartition("/")[0]
        while parent:
            if parent in names:
                raise TreeError(f"{parent} is both a file and a folder")
            parent = parent.rpartition("/")[0]


def write_tree(root: Path, files: Mapping[str, bytes]) -> None:
    """Write `files` under `root`: folders made as needed, no link followed, nothing replaced."""
    check_tree(files)
    root_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name, data in sorted(files.items()):
            *folders, leaf = name.split("/")
            _write_one(root_fd, folders, leaf, data)
    finally:
        os.close(root_fd)


def _write_one(root_fd: int, folders: list[str], leaf: str, data: bytes) -> None:
    opened: list[int] = []
    current = root_fd
    try:
        for folder in folders:
            with contextlib.suppress(FileExistsError):
                os.mkdir(folder, 0o700, dir_fd=current)
            current = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=current)
            opened.append(current)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        handle = os.open(leaf, flags, 0o600, dir_fd=current)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
        finally:
            os.close(handle)
    finally:
        for fd in opened:
            os.close(fd)
