"""`docchat serve` runs the API with uvicorn, `docchat worker` a Celery worker, `docchat db
upgrade` the migrations: all on the settings from the environment."""

import argparse
import os
import sys
import uuid
from collections.abc import Sequence

from pydantic import ValidationError

from docchat.core.config import get_settings


def _settings_problem(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        loc = error["loc"]
        # The variable is named after the field, even when the error is in a list item.
        where = f"{loc[0]} (DOCCHAT_{str(loc[0]).upper()})" if loc else "settings"
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"  {where}: {message}")
    return "docchat: the settings are not valid:\n" + "\n".join(lines)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="docchat", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the API")
    serve.add_argument("--host", default="127.0.0.1", help="interface (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    serve.add_argument("--reload", action="store_true", help="restart when the code changes")
    serve.add_argument(
        "--workers", type=int, default=1, help="web processes (default: %(default)s)"
    )
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    worker = commands.add_parser("worker", help="process documents from the queue (Celery)")
    worker.add_argument(
        "--concurrency", type=int, default=2, help="processes (default: %(default)s)"
    )
    worker.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    db = commands.add_parser("db", help="the database's schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply the migrations the database lacks")
    args = parser.parse_args(argv)

    try:
        settings = get_settings()  # fail here, with a readable message, not in a traceback
    except ValidationError as exc:
        print(_settings_problem(exc), file=sys.stderr)
        return 2

    if args.command == "db":
        return _upgrade(settings.database_url)
    if args.command == "worker":
        return _worker(args.concurrency, args.log_level)
    return _serve(args, settings.database_url)


def _upgrade(database_url: str) -> int:
    from docchat.core import schema
    from docchat.core.db import build_engine

    engine = build_engine(database_url)
    try:
        before, after = schema.upgrade(engine)
    finally:
        engine.dispose()
    where = _safe_url(database_url)
    if before == after:
        print(f"docchat: {where} is up to date (revision {after})", file=sys.stderr)
    else:
        print(f"docchat: {where} upgraded from {before or 'nothing'} to {after}", file=sys.stderr)
    return 0


def _worker(concurrency: int, log_level: str) -> int:
    from docchat.queue.celery_app import worker_app

    settings = get_settings()
    if not _schema_is_current(settings.database_url):
        return 2
    app = worker_app(settings)
    print(f"DocChat worker on {_safe_url(settings.broker_url)}", file=sys.stderr)
    options = ["--pool=prefork", "--without-gossip", "--without-mingle"]
    app.worker_main(
        ["worker", f"--concurrency={concurrency}", f"--loglevel={log_level.upper()}", *options]
    )
    return 0


def _schema_is_current(database_url: str) -> bool:
    """Migrate embedded SQLite; refuse any other database that is behind, saying why.

    A database that cannot be reached is not refused here: the app says so itself, in its
    start-up log and its readiness, and may find it up by then."""
    from sqlalchemy.exc import SQLAlchemyError

    from docchat.core import schema
    from docchat.core.db import build_engine

    engine = build_engine(database_url)
    try:
        schema.prepare(engine)
    except schema.SchemaBehindError as exc:
        print(f"docchat: {exc}", file=sys.stderr)
        return False
    except SQLAlchemyError:
        pass
    finally:
        engine.dispose()
    return True


def _serve(args: argparse.Namespace, database_url: str) -> int:
    import uvicorn

    if not _schema_is_current(database_url):
        return 2
    if args.workers > 1:
        # One name for the deployment's processes: they recover unfinished work once.
        os.environ.setdefault("DOCCHAT_DEPLOYMENT", f"serve-{uuid.uuid4()}")
    where = f"http://{args.host}:{args.port}"
    database = _safe_url(database_url)
    print(f"DocChat on {where} (docs at {where}/docs), database {database}", file=sys.stderr)
    uvicorn.run(
        "docchat.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        reload=args.reload,
        workers=args.workers,
        log_level=args.log_level,
    )
    return 0
