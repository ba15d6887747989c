"""`try_yours(3)`: serve your own package's stage inline and show a few real requests to it.

Your code runs here, in the notebook's kernel, exactly as you wrote it (the checks run it in a
sandbox instead). A stage that is not written yet is reported, never raised.
"""

import importlib
import json
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import httpx2

from docchat_lab.grading.manifest import find
from docchat_lab.serving import InlineServer
from docchat_lab.stages import package, workspace

_VOLATILE = ("created_at", "updated_at")


@dataclass
class Tour:
    """What was asked and answered, shown as plain lines (stable enough for nbval)."""

    title: str
    lines: list[str]
    ok: bool

    def __repr__(self) -> str:
        return "\n".join([self.title, *self.lines])


def import_fresh() -> ModuleType:
    """Your package as the files hold it now: earlier imports of it are forgotten first."""
    root = workspace.require()
    prefix = f"{package.LEARNER}."
    for name in [n for n in sys.modules if n == package.LEARNER or n.startswith(prefix)]:
        del sys.modules[name]
    parent = str(root.parent)
    if parent not in sys.path:
        sys.path.insert(0, parent)
    importlib.invalidate_caches()
    return importlib.import_module(package.LEARNER)


def your_module(name: str) -> ModuleType:
    """`my_docchat.<name>`, freshly imported from your files."""
    import_fresh()
    return importlib.import_module(f"{package.LEARNER}.{name}")


def _shown(response: httpx2.Response) -> str:
    try:
        body: Any = response.json()
    except ValueError:
        return (
            f"{response.status_code} {response.text[:120]!r}"
            if response.text
            else str(response.status_code)
        )
    for item in body if isinstance(body, list) else [body]:
        if isinstance(item, dict):
            for key in _VOLATILE:
                if key in item:
                    item[key] = "…"
    return f"{response.status_code} {json.dumps(body, ensure_ascii=False)[:300]}"


def try_yours(stage: int | str) -> Tour:
    exercise = find(str(stage))
    harness = importlib.import_module(f"docchat_lab.harness.{exercise.slug}")
    title = f"Your {package.LEARNER}, stage {exercise.number:02d}:"
    from docchat_lab.notebook import scratch_dir

    params = {**harness.TOUR_PARAMS, "data_dir": str(scratch_dir("docchat-tour-"))}
    try:
        if left := workspace.unwritten(exercise.number):
            names = ", ".join(item.split(": ")[1] + "()" for item in left)
            return Tour(title, [f"  not ready: still a stub: {names}"], ok=False)
        learner = import_fresh()
        app = harness.apps(learner, params)[getattr(harness, "TOUR_APP", "main")]()
    except workspace.WorkspaceError as exc:
        return Tour(title, [f"  not ready: {exc}"], ok=False)
    except Exception as exc:  # the learner's code: report it, never raise it
        return Tour(title, [f"  not ready: {type(exc).__name__}: {exc}"], ok=False)
    lines: list[str] = []
    with InlineServer(app, name=f"tour-{exercise.id}").start() as server:
        # No keep-alive: a connection that saw a 500 is closed by uvicorn.
        limits = httpx2.Limits(max_keepalive_connections=0)
        with httpx2.Client(base_url=server.url, timeout=30, limits=limits) as client:
            for method, path, *body in harness.TOUR:  # a JSON body may follow the path
                shown = f"{method} {path}" + (f" {json.dumps(body[0])}" if body else "")
                try:
                    response = client.request(method, path, json=body[0] if body else None)
                    lines.append(f"  {shown} -> {_shown(response)}")
                except httpx2.HTTPError as exc:
                    lines.append(f"  {shown} -> no answer ({type(exc).__name__})")
        crashed = bool(server.log_messages())
    if crashed:
        lines.append(
            f'  (your code raised an error: run check("{exercise.number:02d}") to see where)'
        )
    return Tour(title, lines, ok=not crashed)
