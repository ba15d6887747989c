"""The database engine and session factory, built from settings (never at import time)."""

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from docchat.models import Base
from docchat.services.search_index import create_search_index


def build_engine(database_url: str, **engine_options: Any) -> Engine:
    """An engine for the URL; SQLite gets the settings it needs to serve threads safely."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **engine_options)

    # Requests, background tasks and the threadpool all share connections across threads.
    connect_args = {"check_same_thread": False}
    if url.database in (None, "", ":memory:"):
        # Each new connection to ":memory:" is a new, empty database: keep exactly one.
        engine_options.setdefault("poolclass", StaticPool)
    engine = create_engine(url, connect_args=connect_args, **engine_options)
    event.listen(engine, "connect", _tune_sqlite_connection)
    return engine


def _tune_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Readers do not block the background writer, and a busy writer is waited for.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def build_session_factory(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: a committed object can still be serialised (see ERRATA 8).
    return sessionmaker(bind=engine, expire_on_commit=False)


def init_db(engine: Engine) -> None:
    """Create the tables and the search index if they do not exist yet."""
    Base.metadata.create_all(engine)
    create_search_index(engine)
