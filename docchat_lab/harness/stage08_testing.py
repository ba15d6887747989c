"""Hosts stage 08: the learner's own tests, in my_docchat/tests/.

Both in served runs (see served_tests): `run_tests` runs test_api.py alone against one copy of
the kit's DocChat, served from another process, with a `client` of ours; `run_own_tests` runs
the whole folder with the learner's own conftest, their fixtures building copies of the kit's
DocChat in that other process, which sees what the fixtures do with them.
"""

import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from docchat_lab.harness import served_tests
from docchat_lab.harness.stage_support import PACKAGE, learner

MODULES = ("tests.conftest", "tests.test_api")
REQUIRED = ("tests.conftest:settings", "tests.conftest:client")
__all__ = ["PACKAGE", "apps", "warm_up"]


def warm_up() -> None:
    served_tests.warm_up()


def apps(package: ModuleType, params: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    return {}


def _tests_dir(package: ModuleType) -> Path:
    return Path.cwd() / package.__name__ / "tests"


def run_tests(package: ModuleType, params: dict[str, Any]) -> dict[str, Any]:
    """test_api.py against this process's served copy; how each test ended."""
    module = learner(package, "tests.test_api")
    return served_tests.run_test_module(module, _tests_dir(package) / "test_api.py", params)


def run_own_tests(package: ModuleType, params: dict[str, Any]) -> dict[str, Any]:
    """The whole tests folder with the learner's conftest; how each test ended (a claim: the
    judge believes it only as far as the app process's evidence agrees)."""
    create_app = served_tests.served_create_app(params)
    for name in ("main", "tests.conftest"):  # conftest imported its create_app on loading
        module = sys.modules.get(f"{package.__name__}.{name}")
        if module is not None and hasattr(module, "create_app"):
            vars(module)["create_app"] = create_app
    return served_tests.run_own_tests(_tests_dir(package))


PROBES: dict[str, Callable[..., Any]] = {"run_tests": run_tests, "run_own_tests": run_own_tests}
