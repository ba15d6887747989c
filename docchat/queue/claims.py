"""A document is processed by one worker at a time, whatever process or machine it is on.

- PostgreSQL: a session-level advisory lock on the document's id, held on a connection
  of its own for the whole of the processing. The server drops it when that connection
  dies, so a killed worker never leaves a document locked.
- SQLite (one machine): a byte-range lock at offset `id` in a file beside the database,
  which the kernel drops when the process dies, plus a set for the threads of this process
  (a process never conflicts with its own POSIX locks).
"""

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from docchat.core import sqlite

_held: set[tuple[str, int]] = set()  # (the database, the document) held in this process
_held_mutex = threading.Lock()
# One descriptor per claims file, never closed: closing any descriptor of a file drops
# every POSIX lock this process holds on it.
_files: dict[Path, int] = {}
_lock_engines: "WeakKeyDictionary[Engine, Engine]" = WeakKeyDictionary()


@contextmanager
def document_claim(engine: Engine, document_id: int) -> Iterator[bool]:
    """True while this worker holds the document; False when another one holds it now."""
    shared = engine.dialect.name == "postgresql" or sqlite.file_backed(engine)
    # The same database, whichever engine of this process opened it; memory is the engine's.
    where = engine.url.render_as_string(hide_password=False) if shared else str(id(engine))
    key = (where, document_id)
    with _held_mutex:
        if key in _held:
            claimed_here = False
        else:
            _held.add(key)
            claimed_here = True
    if not claimed_here:
        yield False
        return
    try:
        if engine.dialect.name == "postgresql":
            with _advisory_lock(engine, document_id) as claimed:
                yield claimed
        elif engine.dialect.name == "sqlite" and sqlite.file_backed(engine):
            with _file_lock(engine, document_id) as claimed:
                yield claimed
        else:  # one process: the set above is the whole story
            yield True
    finally:
        with _held_mutex:
            _held.discard(key)


@contextmanager
def _advisory_lock(engine: Engine, document_id: int) -> Iterator[bool]:
    # A connection outside the app's pool: the pool is sized for the threads that run
    # queries (core/capacity.py), and this one only waits.
    lock_engine = _lock_engines.get(engine)
    if lock_engine is None:
        lock_engine = _lock_engines[engine] = create_engine(engine.url, poolclass=NullPool)
    with lock_engine.connect() as connection:
        claimed = bool(
            connection.scalar(text("SELECT pg_try_advisory_lock(:id)"), {"id": document_id})
        )
        connection.commit()
        try:
            yield claimed
        finally:
            if claimed:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": document_id})
                connection.commit()


@contextmanager
def _file_lock(engine: Engine, document_id: int) -> Iterator[bool]:
    database = Path(engine.url.database or "").resolve()
    path = database.with_name(database.name + ".claims")
    with _held_mutex:
        descriptor = _files.get(path)
        if descriptor is None:
            descriptor = _files[path] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.lockf(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, document_id)
    except OSError:  # EACCES or EAGAIN: another process holds it
        yield False
        return
    try:
        yield True
    finally:
        fcntl.lockf(descriptor, fcntl.LOCK_UN, 1, document_id)
