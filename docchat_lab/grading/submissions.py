"""Read a class's submissions (folders or zip files) without trusting anything in them.

Only what is wanted is taken: exercise files by name, or whole package folders (`my_docchat/`),
each from the shallowest place it appears. Links, devices, FIFOs, paths that climb out,
oversized files and zip bombs are refused and noted, never followed or expanded. Whatever
goes wrong while reading one learner's submission (a corrupt or encrypted zip, a name that is
not text, an unreadable folder) makes that learner's row "unreadable" with the reason; the rest
of the class is read as usual.
"""

import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from docchat_lab.grading import filetree
from docchat_lab.grading.filetree import MAX_FILE, TreeError
from docchat_lab.grading.learner_ids import learner_ids, printable

MAX_ENTRIES = 5000
MAX_DEPTH = 3  # how deep in a submission a wanted file or package may sit
MAX_NOTES = 20
_SKIPPED_FOLDERS = {"__pycache__", "__MACOSX", "node_modules"}


@dataclass(frozen=True)
class Wanted:
    files: frozenset[str] = frozenset()
    packages: frozenset[str] = frozenset()


@dataclass
class Submission:
    learner: str
    files: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    source: Path | None = None  # the folder or zip it was read from
    unreadable: str = ""

    @property
    def shown_source(self) -> str:
        """The folder's or zip's name, printable whatever bytes it is made of."""
        return printable(self.source.name) if self.source is not None else ""

    def note(self, text: str) -> None:
        if len(self.notes) < MAX_NOTES:
            self.notes.append(printable(text[:300]))  # names in a zip are the learner's
        elif len(self.notes) == MAX_NOTES:
            self.notes.append("more notes were left out")


@dataclass(frozen=True)
class _Entry:
    parts: tuple[str, ...]
    kind: str  # file | dir | link | special
    size: int
    handle: object  # a path (str) for a folder's file, a ZipInfo for a zip's


def _folder_entries(folder: Path, submission: Submission) -> list[_Entry]:
    entries: list[_Entry] = []
    stack: list[tuple[Path, tuple[str, ...]]] = [(folder, ())]
    limit = MAX_DEPTH + filetree.MAX_DEPTH
    while stack:
        current, prefix = stack.pop()
        with os.scandir(current) as listing:
            children = sorted(listing, key=lambda e: e.name)
        for child in children:
            if len(entries) >= MAX_ENTRIES:
                submission.note(f"more than {MAX_ENTRIES} entries: the rest was ignored")
                return entries
            parts = (*prefix, child.name)
            info = child.stat(follow_symlinks=False)
            kind = _kind(info.st_mode)
            if kind == "dir" and len(parts) < limit:
                stack.append((Path(child.path), parts))
            entries.append(_Entry(parts, kind, info.st_size, child.path))
    return entries


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    return "special"


def _zip_entries(archive: zipfile.ZipFile, submission: Submission) -> list[_Entry]:
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        submission.note(
            f"the zip holds {len(infos)} entries; only the first {MAX_ENTRIES} were read"
        )
    entries = []
    for info in infos[:MAX_ENTRIES]:
        name = info.filename.replace("\\", "/")
        parts = tuple(p for p in name.split("/") if p)
        if not parts:
            continue
        if name.startswith("/") or ".." in parts or "." in parts or ":" in parts[0]:
            submission.note(f"ignored an unsafe path in the zip: {name[:80]!r}")
            continue
        mode = info.external_attr >> 16
        kind = "dir" if info.is_dir() else _kind(mode) if stat.S_IFMT(mode) else "file"
        entries.append(_Entry(parts, kind, info.file_size, info))
    # Many zip tools store no entry for a folder, only its files: each folder is implied.
    folders = {e.parts for e in entries if e.kind == "dir"}
    implied = {e.parts[:i] for e in entries for i in range(1, len(e.parts))} - folders
    entries += [_Entry(parts, "dir", 0, None) for parts in sorted(implied)]
    return entries


def _skipped(parts: tuple[str, ...]) -> bool:
    return any(p.startswith(".") or p in _SKIPPED_FOLDERS for p in parts[:-1])


def _select(entries: list[_Entry], wanted: Wanted, submission: Submission) -> list[_Entry]:
    """The entries to read, each with its path in the tree the worker gets."""
    chosen: dict[str, _Entry] = {}
    for entry in entries:
        if _skipped(entry.parts):
            continue
        if entry.kind in ("link", "special"):
            what = "a symbolic link" if entry.kind == "link" else "a special file"
            submission.note(f"ignored {what}: {'/'.join(entry.parts)[:80]}")
    for name in sorted(wanted.files):
        found = [
            e
            for e in entries
            if e.kind == "file" and e.parts[-1] == name and len(e.parts) - 1 <= MAX_DEPTH
        ]
        found = [e for e in found if not _skipped(e.parts)]
        if found:
            chosen[name] = min(found, key=lambda e: (len(e.parts), e.parts))
    for package in sorted(wanted.packages):
        homes = [
            e.parts
            for e in entries
            if e.kind == "dir" and e.parts[-1] == package and len(e.parts) - 1 <= MAX_DEPTH
        ]
        homes = [h for h in homes if not _skipped((*h, ""))]
        if not homes:
            continue
        home = min(homes, key=lambda h: (len(h), h))
        for e in entries:
            inside = e.parts[: len(home)] == home and len(e.parts) > len(home)
            if inside and e.kind == "file" and not _skipped(e.parts[len(home) - 1 :]):
                if e.parts[-1].endswith((".pyc", ".pyo")):
                    continue
                chosen["/".join(e.parts[len(home) - 1 :])] = e
    return [
        _Entry(tuple(n.split("/")), e.kind, e.size, e.handle) for n, e in sorted(chosen.items())
    ]


def _read_folder_file(entry: _Entry) -> bytes:
    assert isinstance(entry.handle, str)
    handle = os.open(entry.handle, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise TreeError("changed into something that is not a file while it was read")
        with os.fdopen(os.dup(handle), "rb") as stream:
            return stream.read(MAX_FILE + 1)
    finally:
        os.close(handle)


def _take(entries: list[_Entry], submission: Submission, archive: zipfile.ZipFile | None) -> None:
    files: dict[str, bytes] = {}
    for entry in entries:
        name = filetree.check_path("/".join(entry.parts))
        if entry.size > MAX_FILE:
            submission.note(
                f"{name} is {entry.size // 1024} KB, over the {MAX_FILE // 1024} KB limit"
            )
            continue
        if archive is not None:
            assert isinstance(entry.handle, zipfile.ZipInfo)
            with archive.open(entry.handle) as stream:
                data = stream.read(MAX_FILE + 1)  # never trust the declared size
        else:
            data = _read_folder_file(entry)
        if len(data) > MAX_FILE:
            submission.note(f"{name} unpacks to more than {MAX_FILE // 1024} KB")
            continue
        files[name] = data
    filetree.check_tree(files)
    submission.files = files


def why_unreadable(exc: BaseException) -> str:
    """A reason a teacher can act on, for whatever stopped a submission from being read."""
    text = str(exc)[:200]
    if isinstance(exc, RuntimeError) and "encrypted" in text.lower():
        return "the zip is encrypted (password-protected)"
    if isinstance(exc, zipfile.BadZipFile):
        return f"not a readable zip file ({text})"
    if isinstance(exc, TreeError):
        return text
    if isinstance(exc, OSError) and exc.strerror:
        return f"could not be read ({exc.strerror})"
    return f"could not be read ({type(exc).__name__}: {text})"


def read_one(entry: Path, submission: Submission, wanted: Wanted) -> None:
    """Fill `submission` from a folder or a zip; never raises for what the submission holds."""
    try:
        if entry.is_dir() and not entry.is_symlink():
            _take(_select(_folder_entries(entry, submission), wanted, submission), submission, None)
        else:
            with zipfile.ZipFile(entry) as archive:
                chosen = _select(_zip_entries(archive, submission), wanted, submission)
                _take(chosen, submission, archive)
    except Exception as exc:  # any failure is this learner's, never the class's
        submission.files = {}
        submission.unreadable = printable(why_unreadable(exc))
        return
    if not submission.files:
        submission.note("no exercise files found")


def collect(root: Path, wanted: Wanted | set[str]) -> tuple[list[Submission], list[str]]:
    """One submission per folder or .zip in `root`; notes on everything skipped, and why.

    `wanted` may be a set of file names; an empty one only names the submissions.
    """
    if not isinstance(wanted, Wanted):
        wanted = Wanted(files=frozenset(wanted))
    notes: list[str] = []
    found: list[tuple[Path, str]] = []  # each entry, and the name its id comes from
    for entry in sorted(root.iterdir(), key=lambda p: os.fsencode(p.name)):
        shown = printable(entry.name)
        try:
            mode = entry.lstat().st_mode
        except OSError as exc:
            notes.append(f"skipped {shown}: {exc.strerror}")
            continue
        if entry.name.startswith("."):
            notes.append(f"skipped {shown}: its name starts with a dot (hidden)")
            continue
        if stat.S_ISDIR(mode):
            found.append((entry, entry.name))
        elif stat.S_ISREG(mode) and entry.suffix.lower() == ".zip":
            found.append((entry, entry.name[: -len(".zip")]))
        else:
            notes.append(f"skipped {shown}: not a folder or a .zip file")
    # All names first: an id is handed out knowing every other submission's name.
    ids, clashes = learner_ids([name for _, name in found], [e.name for e, _ in found])
    notes += clashes
    submissions: list[Submission] = []
    for (entry, _), learner in zip(found, ids, strict=True):
        submission = Submission(learner, source=entry)
        if wanted.files or wanted.packages:
            read_one(entry, submission, wanted)
        submissions.append(submission)
    return submissions, notes
