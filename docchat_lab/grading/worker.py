"""Inside the sandbox: load a submission's files and answer the judge's requests.

Nothing here decides a pass. The worker only reports, as plain JSON, what the submission's
code did with the requests the judge chose: status codes, headers, bodies, values, errors.
It is only ever given inputs, never an expected value; the judge treats every answer as a claim.
"""

import asyncio
import base64
import concurrent.futures.thread  # noqa: F401 - run_in_executor's, imported before the fork
import importlib
import importlib.util
import os
import socket
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from docchat_lab.grading import asgi_driver, filetree
from docchat_lab.grading.protocol import (
    ProtocolError,
    encode_frame,
    recv_frame,
    recv_frame_async,
    send_frame,
)

MAX_BODY = 4 * 1024 * 1024
EXIT_PROTOCOL, EXIT_MEMORY = 70, 71


def _text(value: object, limit: int = 500) -> str:
    try:
        text = str(value)
    except BaseException:
        text = "<unprintable>"
    return text[:limit]


def describe(exc: BaseException, learner_file: str | None) -> dict[str, Any]:
    """The exception's type, message and the deepest line of the learner's file it passed."""
    info: dict[str, Any] = {"type": _text(type(exc).__name__, 100), "message": _text(exc)}
    if isinstance(exc, SyntaxError):
        info["line"] = exc.lineno
        return info
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    for frame in reversed(frames):
        mine = frame.filename == learner_file or frame.filename.startswith(f"{learner_file}/")
        if learner_file and mine:
            info["line"], info["function"] = frame.lineno, frame.name
            if frame.filename != learner_file:  # a file inside the learner's package
                info["file"] = frame.filename.removeprefix(str(Path(learner_file).parent) + "/")
            break
    return info


def _has(module: ModuleType, dotted: str) -> bool:
    """`name` on the module, or `sub.module:name` inside its package."""
    if ":" not in dotted:
        return hasattr(module, dotted)
    where, name = dotted.split(":", 1)
    found = sys.modules.get(f"{module.__name__}.{where}")
    return found is not None and hasattr(found, name)


def _shown(exc: SyntaxError) -> str:
    """The file of a syntax error, relative to the work folder."""
    try:
        return Path(exc.filename or "").resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return Path(exc.filename or "").name


def _fatal_memory(sock: socket.socket) -> None:
    try:
        sock.setblocking(True)
        send_frame(sock, {"op": "fatal", "kind": "memory"})
    finally:
        os._exit(EXIT_MEMORY)


class Worker:
    def __init__(
        self, sock: socket.socket, slug: str, served_fd: int | None, package: str | None = None
    ) -> None:
        self.sock = sock
        self.slug = slug
        self.harness = importlib.import_module(f"docchat_lab.harness.{slug}")
        # Taken now, before any learner code runs: a later patch of the harness's table is not
        # seen here (and the judge trusts no answer anyway).
        self._probes: dict[str, Callable[..., Any]] = dict(getattr(self.harness, "PROBES", {}))
        self._apps: Callable[..., dict[str, Callable[[], Any]]] = self.harness.apps
        # A package folder of the learner's (`my_docchat/`) instead of the exercise's one file.
        self.package = package or getattr(self.harness, "PACKAGE", None)
        self.learner_file = str(Path.cwd() / f"{slug}.py")
        self.served_fd = served_fd
        self.module: ModuleType | None = None
        self.params: dict[str, Any] = {}
        self.apps: dict[str, Any] = {}
        self.app_errors: dict[str, dict[str, Any]] = {}
        self.app_states: dict[str, dict[str, Any]] = {}
        self.send_lock: asyncio.Lock | None = None

    def reply(self, message: dict[str, Any]) -> None:
        """Before serving: the socket still blocks."""
        send_frame(self.sock, message)

    async def reply_async(self, message: dict[str, Any]) -> None:
        """While serving: one frame at a time, never a partial one between two others."""
        if self.send_lock is None:
            self.send_lock = asyncio.Lock()
        data = encode_frame(message)
        async with self.send_lock:
            await asyncio.get_running_loop().sock_sendall(self.sock, data)

    def setup(self) -> dict[str, Any]:
        frame = recv_frame(self.sock, time.monotonic() + 60)
        params = frame.get("params")
        self.params = params if isinstance(params, dict) else {}
        if self.served_fd is not None:
            self.params["served_fd"] = self.served_fd
        files = frame.get("files")
        try:
            tree = {str(k): base64.b64decode(v) for k, v in dict(files or {}).items()}
            filetree.write_tree(Path.cwd(), tree)
        except (ValueError, TypeError, OSError) as exc:
            return {"op": "hello", "load": {"kind": "files", **describe(exc, None)}, "missing": []}
        load = self._load()
        missing = []
        if self.module is not None:
            missing = [n for n in self.harness.REQUIRED if not _has(self.module, n)]
        return {"op": "hello", "load": load, "missing": missing}

    def _load(self) -> dict[str, Any] | None:
        """Import the learner's file (or package); how that failed, if it did."""
        work = Path.cwd()
        if self.package is not None:
            entry, shown = work / self.package / "__init__.py", f"{self.package}/"
            self.learner_file = str(work / self.package)
        else:
            entry = Path(self.learner_file)
            shown = entry.name
        if not entry.is_file():
            return {
                "kind": "no-file",
                "type": "FileNotFoundError",
                "message": f"{shown} is missing",
            }
        sys.path.insert(0, str(work))
        try:
            self.module = self._import(entry)
        except MemoryError:
            _fatal_memory(self.sock)
        except SyntaxError as exc:
            return {"kind": "syntax", **describe(exc, self.learner_file), "file": _shown(exc)}
        except NotImplementedError as exc:
            return {"kind": "not-implemented", **describe(exc, self.learner_file)}
        except BaseException as exc:
            return {"kind": "import", **describe(exc, self.learner_file)}
        return None

    def _import(self, entry: Path) -> ModuleType:
        if self.package is not None:
            # The package, then the modules the stage's harness uses: an error in any of them
            # is the one load failure reported.
            package = importlib.import_module(self.package)
            for module in getattr(self.harness, "MODULES", ()):
                importlib.import_module(f"{self.package}.{module}")
            return package
        spec = importlib.util.spec_from_file_location(self.slug, entry)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[self.slug] = module
        spec.loader.exec_module(module)
        return module

    async def _app(self, name: str) -> Any:
        """The app called `name`, built and started on first use; raises its build error."""
        if name in self.apps:
            return self.apps[name]
        if name in self.app_errors:
            raise _AppFailedError(self.app_errors[name])
        factories = self._apps(self.module, self.params)
        if name not in factories:
            raise _AppFailedError({"type": "LookupError", "message": f"no app called {name!r}"})
        try:
            app = factories[name]()
            state: dict[str, Any] = {}
            await asgi_driver.start_lifespan(app, state)
        except MemoryError:
            raise
        except BaseException as exc:
            self.app_errors[name] = describe(exc, self.learner_file)
            raise _AppFailedError(self.app_errors[name]) from None
        self.apps[name], self.app_states[name] = app, state
        return app

    async def handle(self, message: dict[str, Any]) -> None:
        try:
            result = await self._dispatch(message)
        except MemoryError:
            _fatal_memory(self.sock)
        except _AppFailedError as failed:
            result = {"ok": False, "exception": failed.info, "app_failed": True}
        except BaseException as exc:
            result = {"ok": False, "exception": describe(exc, self.learner_file)}
        result["id"] = message.get("id")
        try:
            await self.reply_async(result)
        except (TypeError, ValueError, ProtocolError) as exc:  # not JSON, or over the limit
            refused = {"id": message.get("id"), "ok": False, "exception": describe(exc, None)}
            await self.reply_async(refused)

    async def _dispatch(self, message: dict[str, Any]) -> dict[str, Any]:
        op = message.get("op")
        if op == "http":
            return await self._http(message)
        if op == "call":
            probe = self._probes[str(message.get("name"))]
            loop = asyncio.get_running_loop()
            args = message.get("args", {})
            value = await loop.run_in_executor(
                None, lambda: probe(self.module, self.params, **args)
            )
            return {"ok": True, "value": value}
        raise ProtocolError(f"unknown op {op!r}")

    async def _http(self, message: dict[str, Any]) -> dict[str, Any]:
        name = message.get("app", "main")
        app = await self._app(name)
        body = message.get("body")
        headers = [(str(k), str(v)) for k, v in message.get("headers") or []]
        response, error = await asgi_driver.request(
            app,
            message["method"],
            message["path"],
            headers,
            base64.b64decode(body) if body else b"",
            self.app_states[name],
        )
        if isinstance(error, MemoryError):
            raise error
        content = bytes(response.body)
        reply: dict[str, Any] = {
            "ok": True,
            "status": response.status,
            "headers": [[k, v] for k, v in response.headers],
            "body": base64.b64encode(content[:MAX_BODY]).decode(),
            "truncated": len(content) > MAX_BODY,
        }
        if error is not None:
            reply["exception"] = describe(error, self.learner_file)
        return reply

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        self.sock.setblocking(False)
        tasks: set[asyncio.Task[None]] = set()
        while True:
            try:
                message = await recv_frame_async(loop, self.sock)
            except (ProtocolError, OSError):
                os._exit(0)  # the judge is done with us (or gone)
            task = asyncio.ensure_future(self.handle(message))
            tasks.add(task)
            task.add_done_callback(tasks.discard)


class _AppFailedError(Exception):
    def __init__(self, info: dict[str, Any]) -> None:
        super().__init__(info.get("message", ""))
        self.info = info


def run(fds: list[int], args: dict[str, Any]) -> None:
    """A worker process: fds[0] talks to the judge; fds[1], if any, reaches a served app."""
    sock = socket.socket(fileno=fds[0])
    package = args.get("package")
    worker = Worker(
        sock, str(args["slug"]), fds[1] if len(fds) > 1 else None, str(package) if package else None
    )
    try:
        hello = worker.setup()
    except MemoryError:
        _fatal_memory(sock)
    except ProtocolError:
        os._exit(EXIT_PROTOCOL)
    worker.reply(hello)
    if worker.module is not None and not hello["missing"]:
        asyncio.run(worker.serve())
    _wait_for_judge(sock)


def _wait_for_judge(sock: socket.socket) -> None:
    """Nothing to serve (the file did not load): wait for the judge to hang up."""
    sock.setblocking(True)
    while sock.recv(1 << 16):
        pass
    os._exit(0)
