"""The kit modules a fork server needs: the ones it runs, and every kit module those import.

An allowlist binds kit modules one file at a time, so a harness that imports a helper of its
own (`docchat_lab.harness.served_tests`, say) needs that file bound too, and the packages above
it. Found by reading the sources, never by importing what a learner could have touched.
"""

import ast
import importlib.util
import pkgutil
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from docchat_lab.stages.definitions import parse

# Never in a worker's image: the judge's checks and expected values, and the reference app
# (whose code is the answer to every stage).
JUDGE_ONLY = ("docchat_lab.checks", "docchat")
# Packages whose modules a library loads by file path, never by import: Alembic runs
# migrations/env.py and each migrations/versions/*.py from the folder it is given.
LOADED_BY_PATH = ("docchat.migrations",)


def _is_under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


@cache
def _origin(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin) if spec is not None and spec.origin else None


def _imported(name: str, roots: tuple[str, ...]) -> set[str]:
    """The modules under `roots` that module `name` imports, with their parent packages."""
    origin = _origin(name)
    if origin is None or origin.suffix != ".py":
        return set()
    found: set[str] = set()
    for node in ast.walk(parse(origin.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            # `from package import module` imports a module, not only a name.
            found.update(
                f"{node.module}.{a.name}" for a in node.names if _origin(f"{node.module}.{a.name}")
            )
    wanted = {n for n in found if any(_is_under(n, root) for root in roots) and _origin(n)}
    parents = {".".join(n.split(".")[:i]) for n in wanted for i in range(1, n.count(".") + 1)}
    return wanted | parents


def closure(modules: Iterable[str], roots: tuple[str, ...]) -> list[str]:
    """`modules` and every module under `roots` they import, directly or not, in a stable order."""
    seen: list[str] = []
    pending = list(modules)
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        seen.append(name)
        pending.extend(sorted(_imported(name, roots) - set(seen)))
        if name in LOADED_BY_PATH:
            pending.extend(sorted(set(_submodules(name)) - set(seen)))
    return seen


def preloadable(modules: Iterable[str]) -> list[str]:
    """The modules a fork server may import up front: not those a library loads by path."""
    return [m for m in modules if not any(m.startswith(p + ".") for p in LOADED_BY_PATH)]


def _submodules(package: str) -> list[str]:
    """Every module and package below `package`, found on disk."""
    origin = _origin(package)
    if origin is None:
        return []
    found = pkgutil.walk_packages([str(origin.parent)], prefix=f"{package}.")
    return [info.name for info in found]


def worker_image(modules: Iterable[str]) -> list[str]:
    """A worker's kit modules; a harness that reaches the judge's side is a bug, said at once."""
    image = closure(modules, ("docchat_lab",))
    leaked = [n for n in image if any(_is_under(n, j) for j in JUDGE_ONLY)]
    if leaked:
        raise LookupError(f"a worker would hold the judge's modules: {', '.join(leaked)}")
    return image
