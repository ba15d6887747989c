"""Hosts exercise 8 in the learner's process: runs the learner's tests against one served app.

The app runs in another process (docchat_lab.harness.ex08_app); see served_tests.
"""

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from docchat_lab.harness.served_tests import run_test_module, warm_up

REQUIRED: tuple[str, ...] = ()


def apps(module: ModuleType, params: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    return {}


def run_tests(module: ModuleType, params: dict[str, Any]) -> dict[str, Any]:
    """Run the learner's test file against this process's app; how each test ended."""
    return run_test_module(module, Path.cwd() / f"{module.__name__}.py", params)


PROBES: dict[str, Callable[..., Any]] = {"run_tests": run_tests}

__all__ = ["PROBES", "REQUIRED", "apps", "warm_up"]
