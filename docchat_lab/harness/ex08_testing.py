"""Hosts exercise 8: runs the learner's tests with pytest against several copies of an app.

The copies (the correct app and its buggy versions) live in a separate companion process,
served over a socket. The learner's process sees only opaque labels and HTTP answers: it cannot
inspect an app to learn which copy is the correct one.
"""

import asyncio
import base64
import inspect
import os
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx2 as httpx
import pytest

from docchat_lab.grading import asgi_driver
from docchat_lab.grading.protocol import (
    recv_frame,
    send_frame,
)
from docchat_lab.harness import ex08_app
from docchat_lab.harness.ex08_companion import serve_companion

REQUIRED: tuple[str, ...] = ()


def warm_up() -> None:
    import _pytest.python  # noqa: F401 - pytest imports a lot; do it once, before the forks

    with tempfile.TemporaryDirectory() as folder:
        copy = ex08_app.Copy("reference", Path(folder) / "warm.sqlite")

        async def one_request() -> None:
            await asgi_driver.request(ex08_app.APP, "GET", "/documents/", [], b"", {"copy": copy})

        asyncio.run(one_request())
        copy.engine.dispose()


def apps(module: ModuleType, params: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    return {}


class _Channel:
    """The learner side of the companion socket: one request at a time."""

    def __init__(self, fd: int) -> None:
        self.sock = socket.socket(fileno=fd)
        self.lock = threading.Lock()

    def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            send_frame(self.sock, message)
            return recv_frame(self.sock)


class _CompanionTransport(httpx.BaseTransport):
    def __init__(self, channel: _Channel, label: str) -> None:
        self.channel = channel
        self.label = label

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        target = request.url.raw_path.decode("ascii", "replace")
        reply = self.channel.ask(
            {
                "op": "http",
                "variant": self.label,
                "method": request.method,
                "target": target,
                "headers": [
                    [k.decode("latin-1"), v.decode("latin-1")] for k, v in request.headers.raw
                ],
                "body": base64.b64encode(request.read()).decode(),
            }
        )
        return httpx.Response(
            reply["status"],
            headers=[(k, v) for k, v in reply["headers"]],
            content=base64.b64decode(reply["body"]),
            request=request,
        )


class _VariantPlugin:
    """Gives each test a `client` for every label, and records how each run ended."""

    def __init__(self, labels: list[str], channel: _Channel) -> None:
        self.labels = labels
        self.channel = channel
        self.outcomes: dict[str, dict[str, dict[str, str]]] = {}

    def pytest_generate_tests(self, metafunc: Any) -> None:
        if "client" in metafunc.fixturenames:
            metafunc.parametrize("client", self.labels, indirect=True, ids=self.labels)

    @pytest.fixture
    def client(self, request: Any) -> Iterator[httpx.Client]:
        label = request.param
        self.channel.ask({"op": "reset", "variant": label})
        transport = _CompanionTransport(self.channel, label)
        with httpx.Client(
            transport=transport, base_url="http://testserver", follow_redirects=True
        ) as session:
            yield session

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: Any, call: Any) -> Iterator[None]:
        outcome = yield
        report = outcome.get_result()  # type: ignore[attr-defined]
        if report.when != "call" and not report.failed:
            return
        callspec = getattr(item, "callspec", None)
        label = str(callspec.params.get("client", "")) if callspec is not None else ""
        name = item.name.replace(label, "*") if label else item.name
        entry = {"outcome": "error" if report.when != "call" else report.outcome}
        if report.failed and call.excinfo is not None:
            entry["error"] = call.excinfo.typename[:100]
        runs = self.outcomes.setdefault(name, {})
        if label not in runs or report.failed:
            runs[label] = entry


# Built-in plugins a grading run has no use for: each costs time on every test.
_QUIET_PLUGINS = [
    arg
    for name in (
        "cacheprovider",
        "faulthandler",
        "terminal",
        "junitxml",
        "doctest",
        "pastebin",
        "stepwise",
        "lfplugin",
        "nfplugin",
        "legacypath",
        "tmpdir",
        "logging",
    )
    for arg in ("-p", f"no:{name}")
]


def _plain_tests(module: ModuleType) -> list[tuple[str, Callable[..., Any]]] | None:
    """The tests, if each is a plain function of `client` alone; None if pytest is needed."""
    if hasattr(module, "pytestmark"):
        return None
    tests: list[tuple[str, Callable[..., Any]]] = []
    for name, value in vars(module).items():
        if hasattr(value, "_fixture_function_marker") or getattr(
            value, "_pytestfixturefunction", None
        ):
            return None  # a fixture of the learner's own
        if name.startswith("Test") and isinstance(value, type):
            return None
        if name.startswith("test_") and callable(value):
            if not inspect.isfunction(value) or hasattr(value, "pytestmark"):
                return None
            if list(inspect.signature(value).parameters) != ["client"]:
                return None
            tests.append((name, value))
    return tests


def _run_plain(
    tests: list[tuple[str, Callable[..., Any]]], labels: list[str], channel: _Channel
) -> dict[str, dict[str, dict[str, str]]]:
    """What pytest would report for plain test functions, without pytest's per-test cost."""
    outcomes: dict[str, dict[str, dict[str, str]]] = {}
    for name, test in tests:
        runs = outcomes.setdefault(f"{name}[*]", {})
        for label in labels:
            channel.ask({"op": "reset", "variant": label})
            transport = _CompanionTransport(channel, label)
            entry: dict[str, str]
            try:
                with httpx.Client(
                    transport=transport, base_url="http://testserver", follow_redirects=True
                ) as client:
                    test(client)
                entry = {"outcome": "passed"}
            except pytest.skip.Exception:
                entry = {"outcome": "skipped"}
            except Exception as exc:
                entry = {"outcome": "failed", "error": type(exc).__name__[:100]}
            runs[label] = entry
    return outcomes


def run_tests(module: ModuleType, params: dict[str, Any]) -> dict[str, Any]:
    """Run the learner's test file; outcomes per test and per label.

    Plain test functions of `client` run directly; anything that needs pytest itself (fixtures
    of its own, marks, classes) runs under pytest, with the same outcomes.
    """
    labels = list(params["labels"])
    channel = _Channel(int(params["companion_fd"]))
    plain = _plain_tests(module)
    if plain:
        return {"exit_code": 0, "outcomes": _run_plain(plain, labels, channel), "runner": "plain"}
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    plugin = _VariantPlugin(labels, channel)
    # pytest lists the folder above its rootdir: give it one the worker owns.
    folder = Path.cwd() / "pytest-run"
    folder.mkdir(exist_ok=True)
    learner_file = folder / f"{module.__name__}.py"
    learner_file.write_bytes((Path.cwd() / learner_file.name).read_bytes())
    # An empty config of our own: no settings from anywhere else, and nothing above it scanned.
    config = folder / "pytest.ini"
    config.write_text("[pytest]\n", encoding="utf-8")
    code = pytest.main(
        [
            str(learner_file),
            "-c",
            str(config),
            "--rootdir",
            str(folder),
            "--capture=no",
            "--import-mode=importlib",
            *_QUIET_PLUGINS,
        ],
        plugins=[plugin],
    )
    return {"exit_code": int(code), "outcomes": plugin.outcomes, "runner": "pytest"}


PROBES: dict[str, Callable[..., Any]] = {"run_tests": run_tests}

__all__ = ["PROBES", "REQUIRED", "apps", "serve_companion", "warm_up"]
