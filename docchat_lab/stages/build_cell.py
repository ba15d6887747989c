"""`%%build api/deps.py`: write the definitions of a notebook cell into the learner's package.

The cell and the editor are both places to write. A cell never overwrites what the editor
changed: it replaces a definition only while the file still holds the stub, or exactly what this
cell wrote last time. Anything else needs `--overwrite`, and even then the old version is kept
in the history folder first.
"""

import hashlib
import json
import shlex
from dataclasses import dataclass

from docchat_lab.stages import definitions, package, workspace

RECORD = "built.json"


@dataclass(frozen=True)
class BuildResult:
    message: str
    written: tuple[str, ...] = ()


def _digest(text: str) -> str:
    return hashlib.sha256(text.strip().encode()).hexdigest()


def _records() -> dict[str, str]:
    path = workspace.state_dir() / RECORD
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _save_records(records: dict[str, str]) -> None:
    path = workspace.state_dir() / RECORD
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, indent=1, sort_keys=True), encoding="utf-8")


def _parse_line(line: str) -> tuple[str, bool]:
    words = shlex.split(line)
    overwrite = "--overwrite" in words
    paths = [w for w in words if w != "--overwrite"]
    if len(paths) != 1:
        raise workspace.WorkspaceError(
            "name one file of your package: %%build api/deps.py (add --overwrite to replace "
            "what you changed in the editor)"
        )
    relative = paths[0].removeprefix(f"{package.LEARNER}/")
    if relative not in package.snapshot(0):
        raise workspace.WorkspaceError(f"{package.LEARNER}/{relative} is not a file of DocChat")
    return relative, overwrite


def build(line: str, cell: str) -> BuildResult:
    """Write the cell's definitions into the named file, if that loses nothing."""
    relative, overwrite = _parse_line(line)
    root = workspace.require()
    path = root / relative
    shown = f"{package.LEARNER}/{relative}"
    text = path.read_text(encoding="utf-8") if path.is_file() else package.snapshot(0)[relative]
    try:
        _imports, pieces = definitions.cell_pieces(text, cell, shown)
    except definitions.DefinitionError as exc:
        return BuildResult(f"Nothing written: {exc}.")
    wanted = {name: "".join(lines) for lines, name in pieces}
    stubs = {name: workspace.stub_of(relative, name) for name in wanted}
    if all(stubs[n] is not None and _digest(stubs[n] or "") == _digest(wanted[n]) for n in wanted):
        names = ", ".join(wanted)
        return BuildResult(
            f"This cell still holds the stub of {names}. Write your version in this cell and run "
            f"it again, or edit {shown} in the editor; either way, then run the check below."
        )
    records = _records()
    changed_elsewhere = []
    for name, code in wanted.items():
        current = definitions.source_of(text, name, shown)
        if current is None or _digest(current) == _digest(code):
            continue
        untouched = stubs[name] is not None and _digest(current) == _digest(stubs[name] or "")
        if not untouched and records.get(f"{relative}:{name}") != _digest(current):
            changed_elsewhere.append(name)
    if changed_elsewhere and not overwrite:
        names = ", ".join(changed_elsewhere)
        return BuildResult(
            f"Nothing written: {names} in {shown} was changed since this cell last wrote it "
            f"(in the editor?). To replace it with this cell's version, run the cell as "
            f"`%%build {relative} --overwrite`; your current version is kept in the history first."
        )
    new_text, written = definitions.replace(text, cell, shown)
    if new_text == text:
        return BuildResult(f"{shown} already holds this cell's {', '.join(written)}.")
    saved = workspace.save_versions("build", [relative])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new_text, encoding="utf-8")
    for name in written:
        records[f"{relative}:{name}"] = _digest(definitions.source_of(new_text, name) or "")
    _save_records(records)
    kept = f" (the version before is in {workspace.shown(saved.folder)})" if saved.folder else ""
    return BuildResult(f"Wrote {', '.join(written)} into {shown}{kept}.", tuple(written))


def register(ipython: object) -> None:
    """Make `%%build` available in this IPython session."""

    def magic(line: str, cell: str) -> None:
        try:
            print(build(line, cell).message)
        except workspace.WorkspaceError as exc:
            print(f"Nothing written: {exc}.")

    ipython.register_magic_function(magic, "cell", "build")  # type: ignore[attr-defined]
