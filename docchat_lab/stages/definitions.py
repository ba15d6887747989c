"""Top-level definitions of a Python file, found by name: read one, replace one, keep the rest.

The learner's files are theirs: a build cell or a reset touches only the definitions it names,
never the lines around them. A class member is named `Class.member` (a method or an attribute,
with the comment lines right above it): a cell that holds only some members of a class writes
those members and keeps the rest of the file's class.
"""

import ast
import threading
from dataclasses import dataclass

from docchat_lab.stages.markers import Solution


class DefinitionError(ValueError):
    """The file or the code cannot be read as Python, or holds nothing to write."""


@dataclass(frozen=True)
class Definition:
    name: str
    first: int  # 1-based, decorators included
    last: int  # 1-based, inclusive


def _names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def _first_line(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


# CPython 3.11 keeps the AST builder's recursion depth in state its threads share: two parses
# at once (the grader checks learners in threads) fail with "SystemError: AST constructor
# recursion depth mismatch". One parse at a time.
_PARSING = threading.Lock()


def parse(text: str) -> ast.Module:
    with _PARSING:
        return ast.parse(text)


def _parse(text: str, where: str) -> ast.Module:
    try:
        return parse(text)
    except SyntaxError as exc:
        raise DefinitionError(
            f"{where} has a syntax error on line {exc.lineno}: {exc.msg}"
        ) from None
    except (RecursionError, MemoryError):  # `1+1+...+1`, `not not ... x`: too deep to build
        raise DefinitionError(f"{where} is nested too deeply to read") from None


def definitions(text: str, where: str = "<file>") -> list[Definition]:
    """Every named top-level statement, in file order."""
    found = []
    for node in _parse(text, where).body:
        for name in _names(node):
            found.append(Definition(name, _first_line(node), node.end_lineno or node.lineno))
    return found


def find(text: str, name: str, where: str = "<file>") -> Definition | None:
    owner, _, member = name.partition(".")
    if member:
        return next((d for d in members(text, owner, where) if d.name == name), None)
    return next((d for d in definitions(text, where) if d.name == name), None)


def members(text: str, class_name: str, where: str = "<file>") -> list[Definition]:
    """The named statements of top-level class `class_name`, as `Class.member`.

    Each starts at the comment lines right above it, so a member's comment travels with it.
    """
    lines = text.splitlines()
    for node in _parse(text, where).body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            found = []
            for child in node.body:
                first = _first_line(child)
                while first - 1 > node.lineno and lines[first - 2].strip().startswith("#"):
                    first -= 1
                for name in _names(child):
                    found.append(Definition(f"{class_name}.{name}", first, child.end_lineno or 0))
            return found
    return []


def source_of(text: str, name: str, where: str = "<file>") -> str | None:
    """The lines of definition `name`, or None when the file has no such definition."""
    found = find(text, name, where)
    if found is None:
        return None
    return "".join(text.splitlines(keepends=True)[found.first - 1 : found.last])


def enclosing_top_level(text: str, solution: Solution) -> str:
    """The top-level definition a marked solution belongs to."""
    for definition in definitions(text):
        if definition.first <= solution.end and solution.start <= definition.last:
            return definition.name
    raise DefinitionError(f"no definition around the solution on line {solution.start}")


def enclosing_member(text: str, solution: Solution) -> str:
    """`Class.member` when a marked solution sits in a member of a class, else its top level."""
    top = enclosing_top_level(text, solution)
    for member in members(text, top):
        if member.first <= solution.end and solution.start <= member.last:
            return member.name
    return top


def replace(text: str, new_code: str, where: str = "<file>") -> tuple[str, list[str]]:
    """`text` with each top-level definition of `new_code` put in place of the one named alike.

    A definition the file does not have yet is added at the end; an import the file lacks is
    added after its imports. Returns the new text and the names written. Anything else in
    `new_code` is an error: a build cell writes definitions, not statements to run.
    """
    imports, pieces = cell_pieces(text, new_code, where)
    lines = _lines(text.splitlines(keepends=True), 1, None)
    written = []
    for new_lines, name in pieces:
        current = find("".join(lines), name, where)
        if current is None and "." in name:  # a new member goes at the end of its class
            owner = find("".join(lines), name.partition(".")[0], where)
            assert owner is not None  # cell_pieces splits only classes the file has
            lines[owner.last : owner.last] = ["\n", *new_lines]
        elif current is None:
            lines += ["\n", "\n", *new_lines]
        else:
            lines[current.first - 1 : current.last] = new_lines
        written.append(name)
    return _add_imports(lines, imports, new_code.splitlines(keepends=True)), written


def cell_pieces(
    text: str, new_code: str, where: str = "<file>"
) -> tuple[list[ast.Import | ast.ImportFrom], list[tuple[list[str], str]]]:
    """`cell_parts`, with a class that lacks some members of the file's class split into them."""
    imports, pieces = cell_parts(new_code)
    split: list[tuple[list[str], str]] = []
    for piece_lines, name in pieces:
        piece = "".join(piece_lines)
        mine = members(piece, name)
        theirs = {d.name for d in members(text, name, where)}
        if not mine or not theirs or theirs <= {d.name for d in mine}:
            split.append((piece_lines, name))
            continue
        split += [(_lines(piece_lines, d.first, d.last), d.name) for d in mine]
    return imports, split


def cell_parts(
    new_code: str,
) -> tuple[list[ast.Import | ast.ImportFrom], list[tuple[list[str], str]]]:
    """A cell's imports, and its definitions as (lines, name); anything else is an error."""
    tree = _parse(new_code, "this cell")
    code_lines = new_code.splitlines(keepends=True)
    imports: list[ast.Import | ast.ImportFrom] = []
    pieces: list[tuple[list[str], str]] = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            imports.append(node)
            continue
        names = _names(node)
        if not names:
            kind = type(node).__name__
            raise DefinitionError(f"line {node.lineno} of the cell is a {kind}, not a definition")
        pieces.append((_lines(code_lines, _first_line(node), node.end_lineno), names[0]))
    if not pieces:
        raise DefinitionError("the cell defines nothing")
    return imports, pieces


def _lines(lines: list[str], first: int, last: int | None) -> list[str]:
    chosen = list(lines[first - 1 : last])
    if chosen and not chosen[-1].endswith("\n"):
        chosen[-1] += "\n"
    return chosen


def _add_imports(
    lines: list[str], imports: list[ast.Import | ast.ImportFrom], code_lines: list[str]
) -> str:
    module = parse("".join(lines))
    have = {ast.dump(node) for node in module.body if isinstance(node, ast.Import | ast.ImportFrom)}
    missing = [node for node in imports if ast.dump(node) not in have]
    if not missing:
        return "".join(lines)
    last_import = max(
        (
            n.end_lineno or n.lineno
            for n in module.body
            if isinstance(n, ast.Import | ast.ImportFrom)
        ),
        default=0,
    )
    added = [line for node in missing for line in _lines(code_lines, node.lineno, node.end_lineno)]
    return "".join(lines[:last_import] + added + lines[last_import:])
