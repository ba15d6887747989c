"""Notebook 07's scaffolding: an environment that cells set and always restore; errors as lines.

Cells change `os.environ` to show where settings come from; a second Run All must start from
the same place, so every change goes through `environ()`, as `monkeypatch.setenv` does in a test.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import ValidationError


@contextmanager
def environ(prefix: str, **values: str) -> Iterator[None]:
    """Inside the block, the only variables starting with `prefix` are `values`; then restore."""
    touched = {name for name in os.environ if name.upper().startswith(prefix.upper())}
    touched |= set(values)
    saved = {name: os.environ[name] for name in touched if name in os.environ}
    for name in touched:
        os.environ.pop(name, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for name in touched:
            os.environ.pop(name, None)
        os.environ.update(saved)


def problems(exc: ValidationError) -> list[str]:
    """A ValidationError as 'field: message' lines ('(settings)' when no field is named)."""
    return [
        f"{'.'.join(str(part) for part in error['loc']) or '(settings)'}: {error['msg']}"
        for error in exc.errors(include_url=False)
    ]


def run_python(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`python <args>` in a fresh process: the kernel's DOCCHAT_ variables dropped, `env` added."""
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("DOCCHAT_")}
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
