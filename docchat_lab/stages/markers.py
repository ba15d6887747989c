"""Stage markers in the reference `docchat/`: what the learner writes, and when each line arrives.

    ### BEGIN SOLUTION 03       lines the learner writes in stage 03
    ### END SOLUTION
    ### BEGIN STUB              optional, right after a solution: what the stub shows instead,
    # commented stub lines      each commented with "# " (uncommented in the learner's copy)
    ### END STUB
    ### BEGIN STAGE 05          lines that arrive in stage 05: absent from earlier snapshots
    ### END STAGE

A snapshot at stage N keeps every solution of stage N or earlier, stubs the later ones, and keeps
the STAGE blocks of stage N or earlier. Stage 0 is the learner's starting package. A solution with
no stub block becomes a TODO and a `raise NotImplementedError(...)` that names its function.
"""

import re
from dataclasses import dataclass, field

_BEGIN = re.compile(r"^\s*### BEGIN (?P<kind>SOLUTION|STAGE) (?P<stage>\d{2})\s*$")
_END_SOLUTION, _END_STAGE = "### END SOLUTION", "### END STAGE"
_BEGIN_STUB, _END_STUB = "### BEGIN STUB", "### END STUB"
_DEF = re.compile(r"^(?P<indent>\s*)(async\s+)?(def|class)\s+(?P<name>\w+)")
_MARKERS = (_END_SOLUTION, _END_STAGE, _BEGIN_STUB, _END_STUB)


class MarkerError(ValueError):
    """The markers of a reference file do not form valid blocks."""


@dataclass
class StageBlock:
    stage: int
    lines: list[str]


@dataclass
class Solution:
    stage: int
    indent: str
    function: str | None
    body: list["str | StageBlock"]
    stub: list[str] | None
    start: int = 0  # 1-based lines of the BEGIN and END markers in the reference
    end: int = 0


@dataclass
class Parsed:
    items: list["str | StageBlock | Solution"] = field(default_factory=list)

    def solutions(self) -> list[Solution]:
        return [item for item in self.items if isinstance(item, Solution)]

    def stages(self) -> set[int]:
        found = {s.stage for s in self.solutions()}
        for item in self.items:
            if isinstance(item, StageBlock):
                found.add(item.stage)
            if isinstance(item, Solution):
                found |= {b.stage for b in item.body if isinstance(b, StageBlock)}
        return found


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _enclosing(lines: list[str], index: int, indent: str) -> str | None:
    """The def around line `index`, qualified by its classes (`Middleware.__call__`), if any."""
    names: list[str] = []
    width = len(indent)
    for line in reversed(lines[:index]):
        match = _DEF.match(line)
        if match and len(match["indent"]) < width:
            names.insert(0, match["name"])
            width = len(match["indent"])
    return ".".join(names) or None


def _stage_block(lines: list[str], start: int, stage: int, where: str) -> tuple[StageBlock, int]:
    body: list[str] = []
    for j in range(start, len(lines)):
        stripped = lines[j].strip()
        if stripped == _END_STAGE:
            return StageBlock(stage, body), j + 1
        if _BEGIN.match(lines[j]) or stripped in _MARKERS:
            raise MarkerError(f"{where}:{j + 1}: {stripped} inside a STAGE block")
        body.append(lines[j])
    raise MarkerError(f"{where}:{start}: missing {_END_STAGE}")


def _solution(lines: list[str], start: int, where: str) -> tuple[Solution, int]:
    match = _BEGIN.match(lines[start])
    assert match is not None
    indent = _indent(lines[start])
    solution = Solution(int(match["stage"]), indent, _enclosing(lines, start, indent), [], None)
    solution.start = start + 1
    i = start + 1
    while i < len(lines):
        stripped = lines[i].strip()
        inner = _BEGIN.match(lines[i])
        if stripped == _END_SOLUTION:
            solution.end = i + 1
            i += 1
            break
        if inner and inner["kind"] == "STAGE":
            block, i = _stage_block(lines, i + 1, int(inner["stage"]), where)
            solution.body.append(block)
            continue
        if inner or stripped in _MARKERS:
            raise MarkerError(f"{where}:{i + 1}: {stripped} inside a SOLUTION block")
        solution.body.append(lines[i])
        i += 1
    else:
        raise MarkerError(f"{where}:{start + 1}: missing {_END_SOLUTION}")
    if i < len(lines) and lines[i].strip() == _BEGIN_STUB:
        stub: list[str] = []
        for j in range(i + 1, len(lines)):
            if lines[j].strip() == _END_STUB:
                solution.stub, i = stub, j + 1
                break
            stub.append(_uncomment(lines[j], f"{where}:{j + 1}"))
        else:
            raise MarkerError(f"{where}:{i + 1}: missing {_END_STUB}")
    if solution.stub is None and solution.function is None:
        raise MarkerError(
            f"{where}:{start + 1}: a module-level solution needs a STUB block "
            "(the learner's package must still import)"
        )
    return solution, i


def _uncomment(line: str, where: str) -> str:
    body = line.lstrip()
    if body.startswith("# "):
        return _indent(line) + body[2:]
    if body.rstrip("\n") == "#":
        return "\n"
    raise MarkerError(f"{where}: stub lines must be commented out with '# ': {line!r}")


def parse(source: str, where: str = "<reference>") -> Parsed:
    lines = source.splitlines(keepends=True)
    parsed = Parsed()
    i = 0
    while i < len(lines):
        match = _BEGIN.match(lines[i])
        stripped = lines[i].strip()
        if match and match["kind"] == "SOLUTION":
            solution, i = _solution(lines, i, where)
            parsed.items.append(solution)
        elif match:
            block, i = _stage_block(lines, i + 1, int(match["stage"]), where)
            parsed.items.append(block)
        elif stripped in _MARKERS:
            raise MarkerError(f"{where}:{i + 1}: {stripped} without its BEGIN")
        else:
            parsed.items.append(lines[i])
            i += 1
    return parsed


def default_stub(solution: Solution) -> list[str]:
    what = f"{solution.function}()"
    stage = f"stage {solution.stage:02d}"
    return [
        f"{solution.indent}# TODO({stage}): write {what} as its docstring describes.\n",
        f'{solution.indent}raise NotImplementedError("{stage}: {what} is not written yet")\n',
    ]


def _render_body(body: list["str | StageBlock"], stage: int) -> list[str]:
    out: list[str] = []
    for part in body:
        if isinstance(part, StageBlock):
            if part.stage <= stage:
                out.extend(part.lines)
        else:
            out.append(part)
    return out


def render(parsed: Parsed, stage: int) -> str:
    """The file as it stands at `stage`: later solutions stubbed, later lines left out."""
    out: list[str] = []
    for item in parsed.items:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, StageBlock):
            out.extend(item.lines if item.stage <= stage else [])
        elif item.stage <= stage:
            out.extend(_render_body(item.body, stage))
        else:
            out.extend(item.stub if item.stub is not None else default_stub(item))
    return "".join(out)


def snapshot(source: str, stage: int, where: str = "<reference>") -> str:
    return render(parse(source, where), stage)


def strip_markers(source: str, where: str = "<reference>") -> str:
    """The finished file, markers and stub blocks removed (what the reference runs)."""
    parsed = parse(source, where)
    return render(parsed, max(parsed.stages(), default=0))
