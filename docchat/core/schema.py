"""The schema's version: Alembic's migrations (docchat/migrations), applied and checked.

An embedded SQLite database is brought up to date at start-up, so it needs no extra step.
Any other database is upgraded only on purpose, with `docchat db upgrade`; until then the
app refuses to start on it, and says what to run.
"""

import threading
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

from docchat import migrations

# The revision that matches the schema `create_all` made before there were migrations.
BEFORE_MIGRATIONS = "0001"
# Alembic's `context` and `op` are proxies global to the process: two migrations at once in one
# process (two apps starting in threads) clobber each other's. Taken before any connection.
_MIGRATING = threading.Lock()


class SchemaBehindError(RuntimeError):
    """The database's schema is older than this code's; the message says what to run."""


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.attributes["connection"] = connection
    return config


@cache
def head() -> str:
    """The newest revision: the one this code needs."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None
    return revision


def current(connection: Connection) -> str | None:
    """The database's revision; None for a database that migrations have never touched."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Apply every migration the database lacks; returns (revision before, revision after).

    A database made by `create_all` before migrations existed is stamped, not recreated.
    """
    with _MIGRATING, engine.begin() as connection:
        before = current(connection)
        config = _config(connection)
        if before is None and inspect(connection).has_table("documents"):
            command.stamp(config, BEFORE_MIGRATIONS)
        if before != head():
            command.upgrade(config, "head")
    return before, head()


def check_current(engine: Engine) -> None:
    """Raise SchemaBehindError unless the database is at this code's revision."""
    with engine.connect() as connection:
        revision = current(connection)
    if revision == head():
        return
    where = engine.url.render_as_string(hide_password=True)
    found = "has no DocChat schema yet" if revision is None else f"is at revision {revision}"
    raise SchemaBehindError(
        f"the database {where} {found}; this DocChat needs revision {head()}. "
        "Run `docchat db upgrade` (with the same DOCCHAT_DATABASE_URL), then start again."
    )


def prepare(engine: Engine) -> None:
    """At start-up: upgrade an embedded SQLite database; check any other."""
    if engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    try:
        check_current(engine)
    except SchemaBehindError:
        engine.dispose()  # the app will not start: keep no connection open
        raise
