"""Generate the learner's stubs (`exercises/`) from the reference answers (`solutions/`).

Markers, in the spirit of nbgrader:

    ### BEGIN SOLUTION          lines only the reference answer has
    ### END SOLUTION
    ### BEGIN STUB              optional, right after a solution block: what the stub shows
    # commented stub lines      instead (uncommented in the stub, comments in the answer)
    ### END STUB

A solution block with no stub block becomes a TODO and `raise NotImplementedError(...)`,
naming the function it sits in. Everything outside the markers is copied as it is.
"""

import re
from dataclasses import dataclass
from pathlib import Path

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_STUB = "### BEGIN STUB"
END_STUB = "### END STUB"
_DEF = re.compile(r"^(?P<indent>\s*)(async\s+)?def\s+(?P<name>\w+)")
GENERATED_NOTE = "# Generated from solutions/ by `docchat-lab exercises`: edit this copy freely.\n"


class MarkerError(ValueError):
    pass


@dataclass(frozen=True)
class _Block:
    indent: str
    function: str | None


def _enclosing_function(lines: list[str], index: int, indent: str) -> str | None:
    for line in reversed(lines[:index]):
        match = _DEF.match(line)
        if match and len(match["indent"]) < len(indent):
            return match["name"]
    return None


def _default_stub(block: _Block) -> list[str]:
    what = f"{block.function}()" if block.function else "this part"
    return [
        f"{block.indent}# TODO: write {what} as its docstring describes.\n",
        f'{block.indent}raise NotImplementedError("{what} is not written yet")\n',
    ]


def make_stub(source: str, name: str = "<solution>") -> str:
    """The learner's copy of one solution file."""
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        if stripped == BEGIN_SOLUTION:
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            block = _Block(indent, _enclosing_function(lines, i, indent))
            end = _find(lines, i + 1, END_SOLUTION, name)
            i = end + 1
            if i < len(lines) and lines[i].strip() == BEGIN_STUB:
                stub_end = _find(lines, i + 1, END_STUB, name)
                out.extend(_uncomment(line, name) for line in lines[i + 1 : stub_end])
                i = stub_end + 1
            else:
                out.extend(_default_stub(block))
            continue
        if stripped in (END_SOLUTION, BEGIN_STUB, END_STUB):
            raise MarkerError(f"{name}:{i + 1}: {stripped} without {BEGIN_SOLUTION}")
        out.append(lines[i])
        i += 1
    return "".join(out)


def make_answer(source: str) -> str:
    """The reference answer with its markers and stub blocks removed (for display)."""
    out: list[str] = []
    in_stub = False
    for line in source.splitlines(keepends=True):
        stripped = line.strip()
        if stripped == BEGIN_STUB:
            in_stub = True
        elif stripped == END_STUB:
            in_stub = False
        elif stripped not in (BEGIN_SOLUTION, END_SOLUTION) and not in_stub:
            out.append(line)
    return "".join(out)


def _find(lines: list[str], start: int, marker: str, name: str) -> int:
    for j in range(start, len(lines)):
        stripped = lines[j].strip()
        if stripped == marker:
            return j
        if stripped in (BEGIN_SOLUTION, BEGIN_STUB) and marker in (END_SOLUTION, END_STUB):
            break
    raise MarkerError(f"{name}:{start}: missing {marker}")


def _uncomment(line: str, name: str) -> str:
    body = line.lstrip()
    indent = line[: len(line) - len(body)]
    if body.startswith("# "):
        return indent + body[2:]
    if body.rstrip("\n") == "#":
        return "\n"
    raise MarkerError(f"{name}: stub lines must be commented out with '# ': {line!r}")


def generated_files(solutions: Path) -> dict[str, str]:
    """File name -> text of every file `exercises/` must hold."""
    files: dict[str, str] = {}
    for path in sorted(solutions.glob("ex[0-9][0-9]_*.py")):
        text = path.read_text(encoding="utf-8")
        if BEGIN_SOLUTION not in text:
            raise MarkerError(f"{path.name}: no {BEGIN_SOLUTION} block")
        files[path.name] = GENERATED_NOTE + make_stub(text, path.name)
    readme = solutions / "README.exercises.md"
    if readme.is_file():
        files["README.md"] = readme.read_text(encoding="utf-8")
    return files


def write_exercises(solutions: Path, exercises: Path) -> list[str]:
    """Regenerate `exercises/`; returns the names written. Stray files are removed."""
    files = generated_files(solutions)
    exercises.mkdir(exist_ok=True)
    for stray in exercises.iterdir():
        if stray.is_file() and stray.name not in files:
            stray.unlink()
    for filename, text in files.items():
        (exercises / filename).write_text(text, encoding="utf-8")
    return sorted(files)


def out_of_date(solutions: Path, exercises: Path) -> list[str]:
    """What differs between `exercises/` and a fresh generation; empty when in sync."""
    want = generated_files(solutions)
    problems = []
    have = {p.name for p in exercises.iterdir()} if exercises.is_dir() else set()
    for filename in sorted(set(want) | have):
        path = exercises / filename
        if filename not in want:
            problems.append(f"exercises/{filename}: stray (not generated from solutions/)")
        elif not path.is_file():
            problems.append(f"exercises/{filename}: missing")
        elif path.read_text(encoding="utf-8") != want[filename]:
            problems.append(f"exercises/{filename}: differs from what solutions/ generates")
    return problems
