"""Read a class's submissions (folders or zip files) without trusting anything in them.

Only the exercise files are taken, by name; symlinks, special files, paths that climb out,
oversized files and zip bombs are refused and noted, never followed or expanded.
"""

import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE = 512 * 1024
MAX_ENTRIES = 5000
MAX_DEPTH = 3
_SAFE_ID = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class Submission:
    learner: str
    files: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    source: Path | None = None  # the folder or zip it was read from


def learner_id(name: str, taken: set[str]) -> str:
    base = _SAFE_ID.sub("_", name).strip("._-")[:80] or "learner"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _from_folder(folder: Path, wanted: set[str], submission: Submission) -> None:
    found: dict[str, tuple[int, Path]] = {}
    seen = 0
    stack = [(folder, 0)]
    while stack:
        current, depth = stack.pop()
        try:
            entries = sorted(current.iterdir())
        except OSError as exc:
            submission.notes.append(f"could not read a folder: {exc.strerror}")
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_ENTRIES:
                submission.notes.append(f"more than {MAX_ENTRIES} entries: the rest was ignored")
                return
            mode = entry.lstat().st_mode
            if stat.S_ISLNK(mode):
                submission.notes.append(f"ignored a symbolic link: {entry.name}")
            elif stat.S_ISDIR(mode):
                if depth + 1 <= MAX_DEPTH and not entry.name.startswith("."):
                    stack.append((entry, depth + 1))
            elif (
                stat.S_ISREG(mode)
                and entry.name in wanted
                and (entry.name not in found or depth < found[entry.name][0])
            ):
                found[entry.name] = (depth, entry)
    for name, (_depth, path) in sorted(found.items()):
        size = path.lstat().st_size
        if size > MAX_FILE:
            submission.notes.append(
                f"{name} is {size // 1024} KB, over the {MAX_FILE // 1024} KB limit"
            )
            continue
        submission.files[name] = path.read_bytes()[:MAX_FILE]


def _from_zip(path: Path, wanted: set[str], submission: Submission) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ENTRIES:
                submission.notes.append(
                    f"the zip holds {len(infos)} entries; only exercise files were read"
                )
            best: dict[str, tuple[int, zipfile.ZipInfo]] = {}
            for info in infos[:MAX_ENTRIES]:
                name = info.filename.replace("\\", "/")
                parts = [p for p in name.split("/") if p]
                if info.is_dir() or not parts or ".." in parts or name.startswith("/"):
                    continue
                if stat.S_ISLNK(info.external_attr >> 16):
                    submission.notes.append(f"ignored a symbolic link in the zip: {parts[-1]}")
                    continue
                if parts[-1] in wanted and len(parts) - 1 <= MAX_DEPTH:
                    depth = len(parts) - 1
                    if parts[-1] not in best or depth < best[parts[-1]][0]:
                        best[parts[-1]] = (depth, info)
            for name, (_depth, info) in sorted(best.items()):
                if info.file_size > MAX_FILE:
                    submission.notes.append(
                        f"{name} is {info.file_size // 1024} KB, over the limit"
                    )
                    continue
                with archive.open(info) as handle:
                    data = handle.read(MAX_FILE + 1)  # never trust the declared size
                if len(data) > MAX_FILE:
                    submission.notes.append(f"{name} unpacks to more than {MAX_FILE // 1024} KB")
                    continue
                submission.files[name] = data
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        NotImplementedError,
        ValueError,
    ) as exc:
        submission.files.clear()
        submission.notes.append(f"not a readable zip file ({type(exc).__name__})")


def collect(root: Path, wanted: set[str]) -> tuple[list[Submission], list[str]]:
    """One submission per folder or .zip in `root`; plus notes about anything else found there."""
    submissions: list[Submission] = []
    notes: list[str] = []
    taken: set[str] = set()
    for entry in sorted(root.iterdir()):
        mode = entry.lstat().st_mode
        if entry.name.startswith("."):
            continue
        if stat.S_ISDIR(mode):
            submission = Submission(learner_id(entry.name, taken), source=entry)
            _from_folder(entry, wanted, submission)
        elif stat.S_ISREG(mode) and entry.suffix.lower() == ".zip":
            submission = Submission(learner_id(entry.stem, taken), source=entry)
            _from_zip(entry, wanted, submission)
        else:
            notes.append(f"ignored {entry.name}: not a folder or a .zip file")
            continue
        if not submission.files and not any("zip" in n for n in submission.notes):
            submission.notes.append("no exercise files found")
        submissions.append(submission)
    return submissions, notes
