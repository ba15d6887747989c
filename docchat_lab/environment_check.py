"""Notebook 00's environment check: what the kit requires, and what the notebooks really use.

Both are read from the project itself, the minimum versions from `pyproject.toml` (the core
dependencies and the `[lab]` extras, what the README's first command installs) and the modules
from the notebooks' own code cells, so the check cannot drift from what the lessons run.
"""

import ast
import json
import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

# `[sys.executable, "-m", "ruff", ...]`: a tool a notebook runs as a module.
_RUN_AS_MODULE = re.compile(r"""["']-m["']\s*,\s*["']([A-Za-z_][\w.]*)["']""")


def lab_requirements(root: Path) -> list[Requirement]:
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = [*project["dependencies"], *project["optional-dependencies"]["lab"]]
    return [Requirement(line) for line in lines]


def _top_level(name: str) -> str:
    return name.split(".")[0]


def _python_of(source: str) -> str:
    """A cell as Python: IPython's own rewriting of its magics (`%time`, `!pip`)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return str(TransformerManager().transform_cell(source))  # type: ignore[no-untyped-call]


def modules_the_notebooks_use(notebooks: Path) -> set[str]:
    """Top-level modules imported, or run with `-m`, by any code cell of any notebook."""
    used: set[str] = set()
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    for notebook in sorted(notebooks.glob("*.ipynb")):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            used.update(_RUN_AS_MODULE.findall(source))
            if source.startswith("%%build"):  # the learner's own module: its imports are its own
                source = source.split("\n", 1)[1] if "\n" in source else ""
            tree = compile(_python_of(source), notebook.name, "exec", flags=flags)
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    used.update(_top_level(alias.name) for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    used.add(_top_level(node.module))
    return {_top_level(name) for name in used}


def environment_problems(root: Path) -> tuple[list[str], int, int]:
    """(what is wrong, requirements checked, modules checked); no problems means ready."""
    problems = []
    requirements = lab_requirements(root)
    for requirement in requirements:
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            problems.append(f"{requirement.name} is not installed (need {requirement.specifier})")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            problems.append(f"{requirement.name} {installed} does not satisfy {requirement}")
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    python_now = ".".join(map(str, sys.version_info[:3]))
    if not SpecifierSet(project["requires-python"]).contains(python_now):
        problems.append(f"Python {python_now} does not satisfy {project['requires-python']}")
    modules = modules_the_notebooks_use(root / "notebooks")
    for module in sorted(modules):
        if find_spec(module) is None:
            problems.append(f"a notebook uses the module {module!r}, which is not installed")
    return problems, len(requirements), len(modules)
