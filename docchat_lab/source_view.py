"""Show the real source of a `docchat` module or function in a notebook, read from the file."""

import importlib
import inspect
import textwrap
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any


@dataclass(frozen=True)
class SourceView:
    """Source code with where it came from; renders as highlighted Markdown in Jupyter."""

    path: str
    first_line: int
    last_line: int
    code: str

    @property
    def caption(self) -> str:
        return f"{self.path}, lines {self.first_line}-{self.last_line}"

    def _repr_markdown_(self) -> str:
        return f"**`{self.caption}`**\n\n```python\n{self.code}\n```"

    def __repr__(self) -> str:
        return f"# {self.caption}\n{self.code}"

    def __contains__(self, text: str) -> bool:
        return text in self.code


def _module(target: str | ModuleType) -> ModuleType:
    return importlib.import_module(target) if isinstance(target, str) else target


def _relative_path(module: ModuleType) -> str:
    # Show the path inside the project (docchat/api/deps.py), never the machine's.
    parts = module.__name__.split(".")
    file = Path(inspect.getfile(module))
    return "/".join([*parts[:-1], file.name] if file.name != "__init__.py" else [*parts, file.name])


def source(target: str | ModuleType | Any, name: str | None = None) -> SourceView:
    """The source of a module (`"docchat.api.deps"`), one of its names, or a function/class."""
    if isinstance(target, str | ModuleType):
        module = _module(target)
        obj: Any = module if name is None else getattr(module, name)
    else:
        obj = target
        module = inspect.getmodule(obj) or _module(obj.__module__)
    lines, first = inspect.getsourcelines(obj)
    first = max(first, 1)
    code = textwrap.dedent("".join(lines)).rstrip("\n")
    return SourceView(_relative_path(module), first, first + len(lines) - 1, code)


def stage_source(relative: str, name: str, stage: int | None = None) -> SourceView:
    """Definition `name` of `my_docchat/<relative>` as it stands at `stage` (default: finished).

    Lines that arrive in that very stage end with `# new in stage NN`.
    """
    import difflib

    from docchat_lab.stages import definitions, package

    stage = package.LAST_STAGE if stage is None else stage
    text = package.snapshot(stage)[relative]
    found = definitions.find(text, name, relative)
    if found is None:
        raise KeyError(f"{package.LEARNER}/{relative} has no definition {name!r}")
    lines = text.splitlines()[found.first - 1 : found.last]
    before = definitions.source_of(package.snapshot(max(stage - 1, 0))[relative], name) or ""
    # Only a definition written in an earlier stage has new lines; a first version is all new.
    if stage > 0 and before != (definitions.source_of(package.snapshot(0)[relative], name) or ""):
        matcher = difflib.SequenceMatcher(a=before.splitlines(), b=lines, autojunk=False)
        opcodes = matcher.get_opcodes()
        new = {j for op, _, _, j1, j2 in opcodes if op != "equal" for j in range(j1, j2)}
        mark = f"  # new in stage {stage:02d}"
        lines = [line + mark if i in new else line for i, line in enumerate(lines)]
    return SourceView(f"{package.LEARNER}/{relative}", found.first, found.last, "\n".join(lines))


def show_mine(relative: str, name: str) -> SourceView:
    """Definition `name` as your own `my_docchat/<relative>` holds it right now."""
    from docchat_lab.stages import definitions, package, workspace

    path = workspace.require() / relative
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    found = definitions.find(text, name, f"{package.LEARNER}/{relative}")
    if found is None:
        raise KeyError(f"your {package.LEARNER}/{relative} has no definition {name!r}")
    code = "".join(text.splitlines(keepends=True)[found.first - 1 : found.last]).rstrip("\n")
    return SourceView(f"{package.LEARNER}/{relative}", found.first, found.last, code)
