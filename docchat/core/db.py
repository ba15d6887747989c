"""The database engine and session factory, built from settings (never at import time)."""

from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from docchat.core import schema, sqlite
from docchat.models import Document


def build_engine(
    database_url: str,
    *,
    pool_size: int | None = None,
    pool_timeout: float = 30.0,
    **options: Any,
) -> Engine:
    """An engine for the URL. `pool_size` connections and no overflow: sized from the
    threads that use them (core/capacity.py), a checkout never waits; past `pool_timeout`
    seconds it fails, and the request answers 503 (api/errors.py)."""
    url = make_url(database_url)
    # Error messages never carry the statement's parameters: a document's whole text.
    options.setdefault("hide_parameters", True)
    if pool_size is not None:
        options.update(pool_size=pool_size, max_overflow=0, pool_timeout=pool_timeout)
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):  # one connection, no pool to size
            options.pop("pool_size", None)
            options.pop("max_overflow", None)
            options.pop("pool_timeout", None)
        return sqlite.sqlite_engine(url, **options)
    return create_engine(url, pool_pre_ping=True, **options)


def build_session_factory(engine: Engine, **info: Any) -> sessionmaker[Session]:
    # expire_on_commit=False: a committed object can still be serialised (see ERRATA 8).
    return sessionmaker(bind=engine, expire_on_commit=False, info=info or None)


def init_db(engine: Engine) -> None:
    """Make sure the schema is current: migrate SQLite, check any other (core/schema.py)."""
    schema.prepare(engine)


def probe_write(engine: Engine) -> None:
    """Prove the database takes a write: insert a document, then roll it back.

    On a SQLite file the probe opens a connection of its own, as a new request would
    (a pooled one can go on writing into a file that was deleted or made read-only).
    """
    if engine.dialect.name == "sqlite" and sqlite.file_backed(engine):
        probe = sqlite.probe_engine(engine)
        try:
            _insert_and_roll_back(probe)
        finally:
            probe.dispose()
    else:
        _insert_and_roll_back(engine)


def _insert_and_roll_back(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Document(title="readiness probe", content="probe"))
        session.flush()
        session.rollback()


def unavailable_reason(exc: BaseException) -> str:
    """Why the database is unavailable, in words safe to show a client."""
    cause = exc.orig if isinstance(exc, DBAPIError) else None
    return str(cause) if isinstance(cause, sqlite.DatabaseFileError) else type(exc).__name__
