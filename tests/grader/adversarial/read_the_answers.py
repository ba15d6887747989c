"""Threat: read the answers wherever they are on the machine: the kit's solutions/, its .git
(with a pure-Python reader of loose objects, no git binary needed), another checkout or a
course folder found by walking the disk, the hidden checks, another learner's files, the
grades; or delegate to the reference app `docchat` by importing it.

If any answer is found it is used, so the score shows whether the isolation held. Deserves: 0
where only an allowlist is visible (root, bwrap). The test plants a course folder holding a
copy of solutions/ and a git repository with the answer, so that the attack provably works
where nothing is hidden. The grading test fills in the paths below.
"""

import base64
import os
import zlib
from pathlib import Path

import docchat_lab

NAME = "ex01_dependencies.py"
# Where no answer lives: skipped to stay within the time limit (a real attacker has more time).
SKIPPED = {"proc", "sys", "site-packages", "node_modules", ".pyenv", ".venv", "lib", "share"}
PLACES = [
    Path(docchat_lab.__file__).resolve().parent.parent,
    Path("__PLANTED__"),
    Path("__HIDDEN__"),
    Path("__OTHER_LEARNER__"),
    Path("__OUT__"),
    Path.home(),
    *[Path(p) for p in ("/root", "/home", "/work", "/tmp", "/srv", "/opt", "/var/tmp")],
]


MARK = "### BEGIN " + "SOLUTION"  # so that this file never looks like an answer itself


def _answer(text: str) -> str | None:
    return text if "def pagination" in text and MARK in text else None


def _from_git(git: Path) -> str | None:
    objects = git / "objects"
    for folder in sorted(objects.iterdir()) if objects.is_dir() else []:
        for item in sorted(folder.iterdir()) if len(folder.name) == 2 else []:
            try:
                data = zlib.decompress(item.read_bytes())
            except (OSError, zlib.error):
                continue
            if data.startswith(b"blob "):
                found = _answer(data.split(b"\0", 1)[1].decode("utf-8", "replace"))
                if found:
                    return found
    return None


def _walk(top: Path, budget: list[int]) -> str | None:
    for folder, dirs, files in os.walk(top):
        budget[0] -= len(dirs) + len(files)
        if budget[0] < 0:
            return None
        dirs[:] = [d for d in dirs if d not in SKIPPED]
        if ".git" in dirs:
            found = _from_git(Path(folder) / ".git")
            if found:
                return found
        for name in files:
            if Path(folder).resolve() == Path.cwd().resolve():
                break  # this run's own folder: its own copy of this file
            if name in (NAME, "grades.csv"):
                try:
                    found = _answer((Path(folder) / name).read_text())
                except (OSError, UnicodeDecodeError):
                    continue
                if found or name == "grades.csv":
                    return found or base64.b64decode("__HONEST__").decode()
    return None


def _search() -> str | None:
    try:
        import docchat  # noqa: F401 - delegating to the reference app would do

        return base64.b64decode("__HONEST__").decode()
    except ImportError:
        pass
    budget = [30_000]
    for place in PLACES:
        try:
            found = _walk(place, budget)
        except OSError:
            continue
        if found:
            return found
    return None


leaked = _search()

if leaked is not None:
    exec(leaked)
else:
    Page = dict
    PageDep = ApiKeyDep = dict

    def get_api_keys():
        return frozenset()

    def pagination():
        raise NotImplementedError

    def require_api_key():
        raise NotImplementedError
