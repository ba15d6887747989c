"""Serve an ASGI app from a notebook: uvicorn in a daemon thread, on an event loop of its own.

Why a thread with its own loop: the kernel's loop is already running, so `uvicorn.run()` and
`asyncio.run()` refuse to start; and a server scheduled on the kernel's loop would deadlock
the moment a cell makes a *synchronous* HTTP call to it (the cell blocks the very loop that
should answer). A separate thread and loop avoid both, with or without nest_asyncio2.
"""

import asyncio
import atexit
import errno
import logging
import re
import socket
import threading
import time
from types import TracebackType
from typing import Any, Self

import uvicorn

_running: dict[str, "InlineServer"] = {}
# uvicorn.error and uvicorn.access propagate to "uvicorn": one handler there sees them all.
_LOGGERS = ("uvicorn", "docchat")
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit)\b.*: ")
_registry_lock = threading.Lock()


class ServerStartError(RuntimeError):
    """The server did not come up; the message says why."""


class _LogBuffer(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class InlineServer:
    """A running uvicorn server for `app`; `url` is where to reach it, `stop()` frees the port."""

    def __init__(
        self,
        app: Any,
        *,
        name: str = "default",
        host: str = "127.0.0.1",
        port: int = 0,
        quiet: bool = True,
        startup_timeout: float = 15.0,
    ) -> None:
        self.app = app
        self.name = name
        self.host = host
        self.requested_port = port
        self.quiet = quiet
        self.startup_timeout = startup_timeout
        self.port: int | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._failure: BaseException | None = None
        self._logs = _LogBuffer()

    @property
    def url(self) -> str:
        if self.port is None:
            raise ServerStartError(f"server {self.name!r} is not running")
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def log_messages(self, min_level: int = logging.WARNING) -> list[str]:
        """What uvicorn and the app logged at or above `min_level` since the server started."""
        return [r.getMessage() for r in self._logs.records if r.levelno >= min_level]

    def start(self) -> Self:
        with _registry_lock:
            previous = _running.pop(self.name, None)
        if previous is not None:
            previous.stop()  # re-running a cell replaces its server instead of stacking them
        self._socket = _bind(self.host, self.requested_port)
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_config=None,  # leave the kernel's logging alone
            log_level="warning" if self.quiet else "info",
            access_log=not self.quiet,
            lifespan="on",
            loop="asyncio",
            timeout_graceful_shutdown=5,
        )
        self._server = uvicorn.Server(config)
        self._attach_logs()
        self._thread = threading.Thread(
            target=self._serve, name=f"uvicorn-{self.name}", daemon=True
        )
        self._thread.start()
        self._wait_until_started()
        with _registry_lock:
            _running[self.name] = self
        return self

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._serve_and_catch())
        finally:
            loop.close()

    async def _serve_and_catch(self) -> None:
        assert self._server is not None
        assert self._socket is not None
        try:
            await self._server.serve(sockets=[self._socket])
        except (SystemExit, Exception) as exc:  # uvicorn calls sys.exit() when start-up fails
            self._failure = exc

    def _wait_until_started(self) -> None:
        assert self._server is not None
        assert self._thread is not None
        deadline = time.monotonic() + self.startup_timeout
        while not self._server.started:
            if not self._thread.is_alive():
                self._close_socket()
                raise ServerStartError(self._why_it_failed())
            if time.monotonic() > deadline:
                self.stop()
                raise ServerStartError(
                    f"server {self.name!r} did not start within {self.startup_timeout:.0f} s"
                )
            time.sleep(0.01)

    def _why_it_failed(self) -> str:
        # uvicorn logs the lifespan's traceback as text: its last line names the cause.
        for message in reversed(self.log_messages(logging.ERROR)):
            if message.startswith("Traceback"):
                causes = [line for line in message.splitlines() if _EXCEPTION_LINE.match(line)]
                if causes:
                    return f"server {self.name!r} failed to start: {causes[-1][:300]}"
        messages = self.log_messages(logging.ERROR)
        detail = messages[-1] if messages else repr(self._failure)
        return f"server {self.name!r} failed to start: {detail}"

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and free the port. Safe to call twice."""
        with _registry_lock:
            if _running.get(self.name) is self:
                del _running[self.name]
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout)
            if self._thread.is_alive():
                self._server.force_exit = True
                self._thread.join(timeout)
        self._close_socket()
        self._detach_logs()

    def _close_socket(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def _attach_logs(self) -> None:
        for logger_name in _LOGGERS:
            logging.getLogger(logger_name).addHandler(self._logs)
        if self.quiet:
            logging.getLogger("uvicorn").propagate = False

    def _detach_logs(self) -> None:
        for logger_name in _LOGGERS:
            logging.getLogger(logger_name).removeHandler(self._logs)

    def __enter__(self) -> Self:
        return self if self.running else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<InlineServer {self.name!r} {state}>"


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServerStartError(
                f"port {port} on {host} is already in use; stop the other server or use port=0"
            ) from None
        raise ServerStartError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(app: Any, *, name: str = "default", port: int = 0, quiet: bool = True) -> InlineServer:
    """Start `app` in the background and return the running server (see InlineServer)."""
    return InlineServer(app, name=name, port=port, quiet=quiet).start()


def stop_all() -> None:
    with _registry_lock:
        servers = list(_running.values())
    for server in servers:
        server.stop()


def running_servers() -> list[InlineServer]:
    with _registry_lock:
        return list(_running.values())


atexit.register(stop_all)

__all__: list[str] = ["InlineServer", "ServerStartError", "running_servers", "serve", "stop_all"]
