"""What a lesson notebook imports: setup, the inline server, source views and temp databases."""

import atexit
import shutil
import sys
import tempfile
from pathlib import Path

from docchat_lab.project import project_root
from docchat_lab.serving import InlineServer, ServerStartError, running_servers, serve, stop_all
from docchat_lab.source_view import SourceView, source

_scratch: list[Path] = []


def setup() -> None:
    """Make the kit importable from any notebook folder and stop servers from an earlier run."""
    root = str(project_root())
    if root not in sys.path:
        sys.path.insert(0, root)
    stop_all()
    print("DocChat Lab is ready. Warnings are errors in this notebook.")


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
    "running_servers",
    "scratch_dir",
    "serve",
    "setup",
    "source",
    "sqlite_url",
    "stop_all",
]
