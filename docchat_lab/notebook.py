"""What a lesson notebook imports: setup, the inline server, source views and temp databases."""

import atexit
import shutil
import sys
import tempfile
from pathlib import Path

from docchat_lab.learner_check import check
from docchat_lab.project import project_root
from docchat_lab.serving import InlineServer, ServerStartError, running_servers, serve, stop_all
from docchat_lab.source_view import SourceView, show_mine, source, stage_source
from docchat_lab.stages.tour import try_yours, your_module

_scratch: list[Path] = []


EDITION_ENV = "DOCCHAT_LAB_EDITION"


def setup(stage: int | None = None) -> None:
    """Make the kit importable, stop servers from an earlier run, and find your package.

    With a stage, the notebook works on your `my_docchat/` (created on first use). In the
    reference edition (DOCCHAT_LAB_EDITION=reference, as the course's CI runs the notebooks) it
    works on the reference's own snapshot of that stage instead.
    """
    root = str(project_root())
    if root not in sys.path:
        sys.path.insert(0, root)
    stop_all()
    if stage is not None:
        _use_package(stage)
    print("DocChat Lab is ready. Warnings are errors in this notebook.")


def _use_package(stage: int) -> None:
    import os

    from docchat_lab.stages import build_cell, package, workspace

    if os.environ.get(EDITION_ENV) == "reference":
        folder = package.write_snapshot(stage, scratch_dir("docchat-reference-"))
        os.environ[workspace.PACKAGE_ENV] = str(folder)
    else:
        path, created = workspace.start()
        if created:
            print(f"Created your own DocChat in {workspace.shown(path)}/: you build it from here.")
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - the lab always has IPython
        return
    shell = get_ipython()
    if shell is not None:
        build_cell.register(shell)


def scratch_dir(prefix: str = "docchat-lab-") -> Path:
    """A fresh temporary folder, removed when the kernel exits. Never print its path."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    _scratch.append(path)
    return path


def sqlite_url(name: str = "docchat") -> str:
    """A SQLite file in a fresh scratch folder: a database that outlives one connection."""
    return f"sqlite:///{scratch_dir() / name}.db"


def _cleanup() -> None:
    for path in _scratch:
        shutil.rmtree(path, ignore_errors=True)


atexit.register(_cleanup)

__all__ = [
    "InlineServer",
    "ServerStartError",
    "SourceView",
    "check",
    "running_servers",
    "scratch_dir",
    "serve",
    "setup",
    "show_mine",
    "source",
    "sqlite_url",
    "stage_source",
    "stop_all",
    "try_yours",
    "your_module",
]
