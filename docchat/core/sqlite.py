"""What SQLite needs to serve a threaded app: one writer at a time, and a file it can trust.

Everything here is SQLite's alone, behind `sqlite_engine()`; other databases skip it.

- **The writer lane.** SQLite takes one writer at a time and makes the others poll for the
  lock; under load the unlucky ones give up after `busy_timeout` ("database is locked").
  So the app queues its writers itself: a connection takes the lane (a fair lock, shared by
  every connection to the same file in this process) before its first write, and hands it
  on when its transaction ends. SQLite's own busy wait is then left for other processes.
- **The file guard.** A deleted database file stays open through the pooled connections,
  which would go on accepting writes into it. Each connection remembers which file it
  opened, and refuses to write when the path now names another file, or none; the pool
  then drops its connections, and a new one never creates a missing file.
"""

import logging
import re
import sqlite3
import threading
from collections import deque
from pathlib import Path
from typing import Any, ClassVar
from weakref import WeakKeyDictionary, WeakValueDictionary

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, ExceptionContext
from sqlalchemy.pool import NullPool, StaticPool

log = logging.getLogger("docchat.db")

BUSY_TIMEOUT_MS = 5000
_READS = re.compile(r"\s*(SELECT|PRAGMA|EXPLAIN)\b", re.IGNORECASE)


class FairLock:
    """A lock handed to its waiters in the order they came, and released from any thread."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: deque[threading.Lock] = deque()

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            gate = threading.Lock()
            gate.acquire()
            self._waiters.append(gate)
        if gate.acquire(timeout=timeout):
            return True  # handed over by release()
        with self._mutex:
            if gate in self._waiters:
                self._waiters.remove(gate)
                return False
        return True  # handed over just as the wait timed out

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()  # ownership passes on; still held
            else:
                self._held = False


class DatabaseFileError(sqlite3.OperationalError):
    """The database file is gone, or another file has taken its place."""


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_dev, stat.st_ino)


class _LaneCursor(sqlite3.Cursor):
    connection: "_LaneConnection"

    def execute(self, sql: str, parameters: Any = (), /) -> "_LaneCursor":
        self.connection.run_statement(sql, super().execute, sql, parameters)
        return self

    def executemany(self, sql: str, parameters: Any, /) -> "_LaneCursor":
        self.connection.run_statement(sql, super().executemany, sql, parameters)
        return self


class _LaneConnection(sqlite3.Connection):
    """A sqlite3 connection that takes the writer lane and knows which file it opened."""

    lane: ClassVar[FairLock]
    path: ClassVar[Path | None]  # None: an in-memory database
    opened: ClassVar[set[Path]]  # the path, once this engine has opened it
    writer_wait_s: ClassVar[float]
    busy_timeout_ms: ClassVar[int]
    file_identity: tuple[int, int] | None = None
    _in_lane = False

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        if self.path is not None and self.path in self.opened and not self.path.exists():
            # sqlite3 would create an empty database here and go on as if nothing happened.
            raise DatabaseFileError("the database file is gone")
        super().__init__(database, *args, **kwargs)
        if self.path is not None:
            self.file_identity = _identity(self.path)
            self.opened.add(self.path)

    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or _LaneCursor)

    def run_statement(self, sql: str, run: Any, *args: Any) -> Any:
        if not _READS.match(sql):
            self._enter_lane()
        try:
            result = run(*args)
        finally:
            if not self.in_transaction:  # a statement that failed, or DDL outside a transaction
                self._leave_lane()
        return result

    def _enter_lane(self) -> None:
        if self._in_lane:
            return
        if not self.lane.acquire(timeout=self.writer_wait_s):
            # Worded as SQLite words it, so that it is treated as the busy database it is.
            raise sqlite3.OperationalError(
                f"database is locked (the app's other writers held it for {self.writer_wait_s} s)"
            )
        if self.path is not None and _identity(self.path) != self.file_identity:
            # A write into a deleted file would be answered, and lost. (Reads are not
            # checked: they would pay a system call each, and lose nothing.)
            self.lane.release()
            gone = not self.path.exists()
            log.warning("the database file %s was %s", self.path, "deleted" if gone else "replaced")
            raise DatabaseFileError(
                "the database file is gone" if gone else "the database file was replaced"
            )
        self._in_lane = True

    def _leave_lane(self) -> None:
        if self._in_lane:
            self._in_lane = False
            self.lane.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self._leave_lane()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._leave_lane()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._leave_lane()


# One lane per database file in this process, shared by every engine that opens it.
_lanes: "WeakValueDictionary[str, FairLock]" = WeakValueDictionary()
_lanes_mutex = threading.Lock()
_factories: "WeakKeyDictionary[Engine, type[_LaneConnection]]" = WeakKeyDictionary()


def _lane_for(path: Path | None) -> FairLock:
    if path is None:
        return FairLock()
    with _lanes_mutex:
        lane = _lanes.get(str(path))
        if lane is None:
            lane = _lanes[str(path)] = FairLock()
        return lane


def _database_path(url: URL) -> Path | None:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:") or url.query.get("uri"):
        return None  # memory, or a URI the app does not second-guess
    return Path(database).resolve()


def sqlite_engine(url: URL, **options: Any) -> Engine:
    """A SQLite engine whose connections queue for the writer lane and check their file."""
    path = _database_path(url)
    attributes: dict[str, object] = {
        "lane": _lane_for(path),
        "path": path,
        "opened": set(),
        "writer_wait_s": 10.0,
        "busy_timeout_ms": BUSY_TIMEOUT_MS,
    }
    factory: type[_LaneConnection] = type("LaneConnection", (_LaneConnection,), attributes)
    return _engine_with(url, factory, options)


def probe_engine(engine: Engine) -> Engine:
    """A twin of `engine` that opens a fresh connection each time, so it sees a read-only
    file, and waits less for the writer lane (a readiness probe must answer quickly)."""
    quick = {"writer_wait_s": 1.0, "busy_timeout_ms": 1000}
    factory = type("ProbeConnection", (_factories[engine],), quick)
    return _engine_with(engine.url, factory, {"poolclass": NullPool, "hide_parameters": True})


def _engine_with(url: URL, factory: type[_LaneConnection], options: dict[str, Any]) -> Engine:
    path = factory.path
    # Requests, background tasks and the executors share connections across threads.
    connect_args = {"check_same_thread": False, "factory": factory}
    if path is None and url.database in (None, "", ":memory:"):
        # Each new connection to ":memory:" is a new, empty database: keep exactly one.
        options.setdefault("poolclass", StaticPool)
        # That one connection serves every thread at once; sqlite3's statement cache would
        # hand two threads the same prepared statement ("bad parameter or other API misuse").
        connect_args["cached_statements"] = 0
    engine = create_engine(url, connect_args=connect_args, **options)
    event.listen(engine, "connect", _tune_connection)
    event.listen(engine, "handle_error", _stale_file_is_a_disconnect)
    _factories[engine] = factory
    return engine


def _tune_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Readers do not block the writer; a writer from another process is waited for.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(dbapi_connection.busy_timeout_ms)}")
    cursor.close()


def _stale_file_is_a_disconnect(context: ExceptionContext) -> None:
    # The pool then drops every connection it holds: the next ones open whatever file the
    # path names now (or fail, DatabaseFileError, when there is none).
    if isinstance(context.original_exception, DatabaseFileError):
        context.is_disconnect = True


def file_backed(engine: Engine) -> bool:
    """True when the engine opens a database file by path (not memory, not a URI)."""
    return _database_path(engine.url) is not None
