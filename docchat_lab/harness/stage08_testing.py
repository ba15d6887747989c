"""Hosts stage 08: the learner's own tests, in my_docchat/tests/.

Two ways. In a served run (see served_tests), `run_tests` runs test_api.py alone against one
copy of the kit's DocChat, served from another process, with a `client` of ours. In the main
process, `run_own_tests` runs the whole folder with the learner's own conftest: their fixtures
on their own DocChat.
"""

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
    """The whole tests folder with the learner's conftest; how each test ended."""
    return served_tests.run_own_tests(_tests_dir(package))


PROBES: dict[str, Callable[..., Any]] = {"run_tests": run_tests, "run_own_tests": run_own_tests}
