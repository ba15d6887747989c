"""Which units pass, kept between sessions in `.docchat-lab/progress.json` at the lab root.

Every check of the lab's own folder records its result here, with a digest of the unit's files,
so `docchat-lab progress` can also say when a unit was edited after its last check.
"""

import contextlib
import datetime as dt
import hashlib
import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from docchat_lab.feedback import HIDDEN_NOTE

FILE = "progress.json"


@dataclass
class Entry:
    passed: int
    total: int
    checked_at: str
    digest: str

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.passed == self.total


def digest(files: Iterable[Path]) -> str:
    """One hash of the unit's files, names and contents; a missing file counts as empty."""
    sha = hashlib.sha256()
    for file in sorted(files):
        sha.update(file.name.encode() + b"\0")
        sha.update(file.read_bytes() if file.is_file() else b"")
    return sha.hexdigest()[:16]


def load(state: Path) -> dict[str, Entry]:
    try:
        data = json.loads((state / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no progress yet, or a file someone broke: start afresh rather than crash
    entries = {}
    for unit, item in data.get("units", {}).items() if isinstance(data, dict) else []:
        with contextlib.suppress(TypeError, KeyError):
            entries[unit] = Entry(**item)
    return entries


@contextlib.contextmanager
def _locked(state: Path) -> Iterator[None]:
    """One writer at a time (a notebook and a `watch` may record at once)."""
    try:
        import fcntl
    except ImportError:  # Windows: the atomic replace below still keeps the file whole
        yield
        return
    with (state / "progress.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def record(state: Path, unit: str, passed: int, total: int, files: Iterable[Path]) -> None:
    state.mkdir(parents=True, exist_ok=True)
    with _locked(state):
        entries = load(state)
        now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        entries[unit] = Entry(passed, total, now, digest(files))
        data = {"units": {name: asdict(entry) for name, entry in sorted(entries.items())}}
        with tempfile.NamedTemporaryFile(
            "w", dir=state, prefix=".progress-", suffix=".json", delete=False, encoding="utf-8"
        ) as out:
            json.dump(data, out, indent=2)
        Path(out.name).replace(state / FILE)


def render(state: Path, units: list[tuple[str, str, list[Path]]]) -> str:
    """The progress table for `units`: (id, title, its files now), in course order."""
    entries = load(state)
    width = max((len(title) for _, title, _ in units), default=0)
    lines, done, next_up = [], 0, ""
    for unit, title, files in units:
        entry = entries.get(unit)
        if entry is None:
            mark, status = "·", "not checked yet"
        else:
            mark = "✔" if entry.complete else "✘"
            status = f"{entry.passed}/{entry.total} checks"
            if entry.digest != digest(files):
                status += ", edited since its last check"
        done += entry is not None and entry.complete
        if not next_up and (entry is None or not entry.complete):
            next_up = unit
        lines.append(f"  {mark} {unit}  {title:<{width}}  {status}")
    lines.append("")
    lines.append(f"{done} of {len(units)} pass.")
    if next_up:
        lines.append(f"Next: {next_up} (docchat-lab watch {next_up} re-checks it on every save)")
    else:
        lines.append(HIDDEN_NOTE)
    return "\n".join(lines)
