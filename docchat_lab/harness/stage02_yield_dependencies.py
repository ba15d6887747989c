"""Hosts stage 02: the learner's `get_db` behind a few routes of ours.

The app's session factory (`app.state.sessions`, which get_db reads through
get_session_factory) makes sessions that note when they are opened and closed, numbered in
order. Each route tells the judge which session it got and whether it was still open; the
`sessions` probe then says which of them were closed afterwards. No garbage collector, pool
or timing is involved: a session is closed when `close()` ran (`with` calls it), and only then.
"""

from collections.abc import Callable
from types import ModuleType
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from docchat_lab.harness.stage_support import (
    PACKAGE,
    app_closing,
    data_dir,
    learner,
    run_database,
    seed_documents,
)
from docchat_lab.harness.support import warm_fastapi

MODULES = ("models", "core.db", "api.deps")
REQUIRED = ("api.deps:get_db", "api.deps:SessionDep", "api.deps:get_session_factory")
__all__ = ["PACKAGE", "apps", "warm_up"]

# Every session the app's factory made in this worker: number -> {"closed": bool}.
_opened: dict[int, dict[str, bool]] = {}
# The number of each session a route was handed, in order (0: not one of ours).
_handed: list[int] = []


class TrackedSession(Session):
    """A Session that knows its number, and notes when it is closed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.number = len(_opened) + 1
        _opened[self.number] = {"closed": False}

    def close(self) -> None:
        _opened[self.number]["closed"] = True
        super().close()


def warm_up() -> None:
    warm_fastapi()


def _facts(session: Any) -> dict[str, Any]:
    """What a route can tell about the session it was handed."""
    if not isinstance(session, TrackedSession):
        _handed.append(0)
        return {"ours": False, "type": type(session).__name__}
    _handed.append(session.number)
    return {"ours": True, "number": session.number, "open": not _opened[session.number]["closed"]}


def _app(package: ModuleType, params: dict[str, Any]) -> FastAPI:
    deps, models = learner(package, "api.deps"), learner(package, "models")
    engine, plain = run_database(package, params, "stage02")
    seed_documents(package, plain, params["documents"])
    SessionDep: Any = deps.SessionDep  # noqa: N806 - the learner's alias, used as a type
    app = app_closing(engine)
    app.state.sessions = sessionmaker(class_=TrackedSession, **plain.kw)

    def first_helper(session: SessionDep) -> int:
        return int(getattr(session, "number", 0))

    def second_helper(session: SessionDep) -> int:
        return int(getattr(session, "number", 0))

    @app.get("/titles")
    def titles(session: SessionDep) -> dict[str, Any]:
        facts = _facts(session)  # before the query: was it open when the route got it?
        names = list(session.scalars(select(models.Document.title).order_by(models.Document.id)))
        return {**facts, "titles": names}

    @app.get("/shared")
    def shared(
        session: SessionDep,
        first: Annotated[int, Depends(first_helper)],
        second: Annotated[int, Depends(second_helper)],
    ) -> dict[str, Any]:
        return {**_facts(session), "helpers": [first, second]}

    @app.get("/missing/{detail}")
    def missing(detail: str, session: SessionDep) -> None:
        _facts(session)
        session.scalar(select(func.count()).select_from(models.Document))
        raise HTTPException(404, detail)

    @app.get("/crash/{message}")
    def crash(message: str, session: SessionDep) -> None:
        _facts(session)
        session.scalar(select(func.count()).select_from(models.Document))
        raise RuntimeError(message)

    @app.post("/unsaved/{title}")
    def unsaved(title: str, session: SessionDep) -> dict[str, Any]:
        session.add(models.Document(title=title, content="added, never committed"))
        session.flush()
        return _facts(session)

    return app


def apps(package: ModuleType, params: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    return {"main": lambda: _app(package, params)}


def sessions(package: ModuleType, params: dict[str, Any]) -> dict[str, Any]:
    """Each session the app's factory made so far, by number: was it closed? And the number of
    the session the last route was handed."""
    closed = {str(number): state["closed"] for number, state in _opened.items()}
    return {"closed": closed, "last": _handed[-1] if _handed else None}


def stored_titles(package: ModuleType, params: dict[str, Any]) -> list[str]:
    """The committed titles, read on a plain engine of the harness's own (WAL: never blocked by
    a writer, and none of the learner's code involved)."""
    models = learner(package, "models")
    engine = create_engine(f"sqlite:///{data_dir(params) / 'stage02'}.db", poolclass=NullPool)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(models.Document.title)))
    finally:
        engine.dispose()


PROBES: dict[str, Callable[..., Any]] = {"sessions": sessions, "stored_titles": stored_titles}

# What `try_yours(2)` shows: the session each request gets, and what happens when a route fails.
TOUR_PARAMS = {"documents": [{"title": "Kettle manual", "content": "Descale it monthly."}]}
TOUR = [
    ("GET", "/titles"),
    ("GET", "/titles"),
    ("GET", "/shared"),
    ("GET", "/missing/no%20such%20thing"),
]
