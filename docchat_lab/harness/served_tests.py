"""The learner's tests run against one app served from another process, as an HTTP client.

The app runs in the app process (docchat_lab/grading/app_server.py, in the app image); this
process holds no app, no variant name and no label, only a socket over which `client` sends
HTTP requests. Each test starts with a fresh app (an empty database, a full pool). Used by
the harnesses whose checks judge the learner's tests (docchat_lab/grading/served.py).
"""

import base64
import inspect
import os
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx2 as httpx
import pytest

from docchat_lab.grading import asgi_driver
from docchat_lab.grading.protocol import recv_frame, send_frame

MAX_TESTS = 200


def warm_up() -> None:
    import _pytest.python  # noqa: F401 - pytest imports a lot; do it once, before the forks

    with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200))) as client:
        client.get("http://testserver/")


class _Channel:
    """This process's connection to its app: one request at a time."""

    def __init__(self, fd: int) -> None:
        self.sock = socket.socket(fileno=fd)
        self.lock = threading.Lock()

    def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            send_frame(self.sock, message)
            return recv_frame(self.sock)


def _http_frame(
    op: str, method: str, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes
) -> dict[str, Any]:
    return {
        "op": op,
        "method": method,
        "target": target.decode("ascii", "replace"),
        "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in headers],
        "body": base64.b64encode(body).decode(),
    }


class _Transport(httpx.BaseTransport):
    def __init__(self, channel: _Channel) -> None:
        self.channel = channel

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        reply = self.channel.ask(
            _http_frame(
                "http", request.method, request.url.raw_path, request.headers.raw, request.read()
            )
        )
        return httpx.Response(
            reply["status"],
            headers=[(k, v) for k, v in reply["headers"]],
            content=base64.b64decode(reply["body"]),
            request=request,
        )


def _fresh_client(channel: _Channel) -> httpx.Client:
    channel.ask({"op": "reset"})
    return httpx.Client(
        transport=_Transport(channel), base_url="http://testserver", follow_redirects=True
    )


class _ServedApp:
    """What the learner's `create_app(settings)` returns in a fixtures run: an ASGI app whose
    lifespan and requests go to a copy of the kit's DocChat in the app process, which sees there
    whether the learner's `client` started it, and on which database."""

    def __init__(self, channel: _Channel, settings: Any) -> None:
        self.channel = channel
        fields = {
            "database_url": None if settings is None else str(settings.database_url)[:500],
            "openai_api_key": settings is not None and bool(settings.openai_api_key),
        }
        reply = channel.ask({"op": "create", "settings": fields})
        if "app" not in reply:
            raise RuntimeError(str(reply.get("error"))[:300])
        self.number = reply["app"]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                stage = message["type"]  # lifespan.startup, then lifespan.shutdown
                op = "start" if stage == "lifespan.startup" else "stop"
                reply = self.channel.ask({"op": op, "app": self.number})
                if "error" in reply:
                    await send({"type": f"{stage}.failed", "message": str(reply["error"])})
                else:
                    await send({"type": f"{stage}.complete"})
                if op == "stop":
                    return
        if scope["type"] != "http":
            return
        body = await asgi_driver.read_body(receive)
        target = scope.get("raw_path") or scope["path"].encode()
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]
        frame = _http_frame("app-http", scope["method"], target, scope["headers"], body)
        reply = self.channel.ask({**frame, "app": self.number})
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in reply["headers"]]
        await send({"type": "http.response.start", "status": reply["status"], "headers": headers})
        await send({"type": "http.response.body", "body": base64.b64decode(reply["body"])})


def served_create_app(params: dict[str, Any]) -> Callable[..., Any]:
    """A stand-in for DocChat's `create_app`: each app it builds lives in the app process."""
    channel = _Channel(int(params["served_fd"]))

    def create_app(settings: Any = None) -> _ServedApp:
        return _ServedApp(channel, settings)

    return create_app


def _entry(outcome: str, error: BaseException | None = None) -> dict[str, str]:
    entry = {"outcome": outcome}
    if error is not None:
        entry["error"] = type(error).__name__[:100]
    return entry


class _OutcomePlugin:
    """Records how each test ended."""

    def __init__(self) -> None:
        self.outcomes: dict[str, dict[str, str]] = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: Any, call: Any) -> Iterator[None]:
        outcome = yield
        report = outcome.get_result()  # type: ignore[attr-defined]
        if report.when != "call" and not report.failed:
            return
        entry = {"outcome": "error" if report.when != "call" else report.outcome}
        if report.failed and call.excinfo is not None:
            entry["error"] = call.excinfo.typename[:100]
        if item.name not in self.outcomes or report.failed:
            self.outcomes[item.name] = entry
        self.noted(item)

    def noted(self, item: Any) -> None:
        pass


class _ClientPlugin(_OutcomePlugin):
    """Gives each test a `client` bound to a fresh app, and records how each test ended."""

    def __init__(self, channel: _Channel) -> None:
        super().__init__()
        self.channel = channel

    @pytest.fixture
    def client(self) -> Iterator[httpx.Client]:
        with _fresh_client(self.channel) as session:
            yield session

    def noted(self, item: Any) -> None:
        if "client" not in getattr(item, "fixturenames", ()):
            self.outcomes[item.name]["unused"] = "client"


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
        if name.startswith("Test") and isinstance(value, type) and getattr(value, "__test__", True):
            return None
        if name.startswith("test_") and callable(value):
            if not inspect.isfunction(value) or hasattr(value, "pytestmark"):
                return None
            if list(inspect.signature(value).parameters) != ["client"]:
                return None
            tests.append((name, value))
    return tests


def _run_plain(
    tests: list[tuple[str, Callable[..., Any]]], channel: _Channel
) -> dict[str, dict[str, str]]:
    """What pytest would report for plain test functions, without pytest's per-test cost."""
    outcomes: dict[str, dict[str, str]] = {}
    for name, test in tests[:MAX_TESTS]:
        try:
            with _fresh_client(channel) as client:
                test(client)
            outcomes[name] = _entry("passed")
        except pytest.skip.Exception:
            outcomes[name] = _entry("skipped")
        except Exception as exc:
            outcomes[name] = _entry("failed", exc)
    return outcomes


def run_test_module(module: ModuleType, source: Path, params: dict[str, Any]) -> dict[str, Any]:
    """Run the tests of `module` (whose file is `source`) against this process's app.

    Plain test functions of `client` run directly; anything that needs pytest itself (fixtures
    of its own, marks, classes) runs under pytest, with the same outcomes.
    """
    channel = _Channel(int(params["served_fd"]))
    plain = _plain_tests(module)
    if plain:
        return {"outcomes": _run_plain(plain, channel), "runner": "plain"}
    plugin = _ClientPlugin(channel)
    # The test file is copied alone: no conftest of the learner's can replace `client`.
    folder = _pytest_folder()
    learner_file = folder / f"{module.__name__.rpartition('.')[2]}.py"
    learner_file.write_bytes(source.read_bytes())
    code = _pytest(learner_file, folder, plugin, "--import-mode=importlib")
    outcomes = dict(list(plugin.outcomes.items())[:MAX_TESTS])
    return {"exit_code": code, "outcomes": outcomes, "runner": "pytest"}


def run_own_tests(tests: Path) -> dict[str, Any]:
    """Run the tests in folder `tests` with their own conftest (their own `client`)."""
    plugin = _OutcomePlugin()
    code = _pytest(tests, _pytest_folder(), plugin)
    outcomes = dict(list(plugin.outcomes.items())[:MAX_TESTS])
    return {"exit_code": code, "outcomes": outcomes, "runner": "pytest"}


def _pytest_folder() -> Path:
    # pytest lists the folder above its rootdir: give it one the worker owns.
    folder = Path.cwd() / "pytest-run"
    folder.mkdir(exist_ok=True)
    return folder


def _pytest(target: Path, folder: Path, plugin: _OutcomePlugin, *options: str) -> int:
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    # An empty config of our own: no settings from anywhere else, and nothing above it scanned.
    config = folder / "pytest.ini"
    config.write_text("[pytest]\n", encoding="utf-8")
    arguments = [str(target), "-c", str(config), "--rootdir", str(folder), "--capture=no"]
    return int(pytest.main([*arguments, *options, *_QUIET_PLUGINS], plugins=[plugin]))
