"""`docchat serve`: run the API with uvicorn on the settings from the environment."""

import argparse
import sys
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
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    args = parser.parse_args(argv)

    try:
        settings = get_settings()  # fail here, with a readable message, not in a traceback
    except ValidationError as exc:
        print(_settings_problem(exc), file=sys.stderr)
        return 2

    import uvicorn

    where = f"http://{args.host}:{args.port}"
    database = _safe_url(settings.database_url)
    print(f"DocChat on {where} (docs at {where}/docs), database {database}", file=sys.stderr)
    uvicorn.run(
        "docchat.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        reload=args.reload,
        log_level=args.log_level,
    )
    return 0
