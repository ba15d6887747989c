"""Hosts exercise 2: tag routes served through the learner's get_db and get_db_transaction.

The submission's `engine` and `SessionLocal` are replaced by ours: a SQLite file in the worker's
folder behind a pool of two connections that waits only briefly, so a session that is never
closed shows up as a failing third request. The garbage collector is switched off, as on a busy
server: it must not be the one that hands leaked connections back. Each check starts with the
`fresh_pool` probe, so that what one check leaked does not fail the next.
"""

# Probes run in the worker's default executor. Forked workers may not be able to read the
# standard library (it can live in a folder only the grader's user may open), so whatever they
# import later must already be loaded here, in the fork server.
import concurrent.futures.thread  # noqa: F401
import gc
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any, cast

from fastapi import Depends, FastAPI, HTTPException, status
from pydantic import BaseModel, Field
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool, QueuePool

from docchat_lab.harness.support import depends_target, warm_fastapi

REQUIRED = (
    "SessionLocal",
    "Base",
    "Tag",
    "get_db",
    "get_db_transaction",
    "SessionDep",
    "TransactionDep",
)
POOL_SIZE = 2
POOL_TIMEOUT = 0.25
CRASH_MESSAGE = "a deliberate crash in the endpoint"
REFUSED = "refused after writing"

_state: dict[str, Any] = {}


def warm_up() -> None:
    warm_fastapi()
    engine = create_engine("sqlite://")
    with Session(engine) as db:
        db.scalar(select(func.count()))
    engine.dispose()


class TagIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)


def _fast_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # A throwaway database: no need to wait for the disk on every commit.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


def _engine(module: ModuleType) -> Engine:
    """Our database, created once per worker, and swapped into the submission."""
    if "engine" not in _state:
        gc.disable()
        engine = create_engine(
            f"sqlite:///{Path.cwd() / 'ex02_checks.db'}",
            poolclass=QueuePool,
            pool_size=POOL_SIZE,
            max_overflow=0,
            pool_timeout=POOL_TIMEOUT,
            connect_args={"check_same_thread": False, "timeout": 1.0},
        )
        event.listen(engine, "connect", _fast_sqlite)
        module.Base.metadata.create_all(engine)
        _state["engine"], _state["sessions"] = engine, sessionmaker(bind=engine)
        # The probes read through an engine of their own: they never wait for the small pool.
        _state["reader"] = create_engine(
            engine.url, poolclass=NullPool, connect_args={"timeout": 1.0}
        )
    ours: Engine = _state["engine"]
    module.engine, module.SessionLocal = ours, _state["sessions"]  # type: ignore[attr-defined]
    return ours


def _tag_routes(
    app: FastAPI, prefix: str, module: ModuleType, db_dep: Any, *, commits_itself: bool
) -> None:
    """POST {prefix}/tags and POST {prefix}/tags/refused, on the given session dependency."""
    tag_model = module.Tag

    @app.post(f"{prefix}/tags", status_code=status.HTTP_201_CREATED)
    def create_tag(body: TagIn, db: db_dep) -> dict[str, Any]:
        tag = tag_model(name=body.name)
        db.add(tag)
        if not commits_itself:
            return {"name": body.name}  # the dependency commits
        try:
            db.commit()
        except IntegrityError:
            db.rollback()
            raise HTTPException(status.HTTP_409_CONFLICT, f"tag {body.name!r} exists") from None
        return {"id": tag.id, "name": tag.name}

    @app.post(f"{prefix}/tags/refused", status_code=status.HTTP_201_CREATED)
    def refuse_after_writing(body: TagIn, db: db_dep) -> None:
        db.add(tag_model(name=body.name))  # pending: only a commit would store it
        raise HTTPException(status.HTTP_400_BAD_REQUEST, REFUSED)


def _main(module: ModuleType) -> FastAPI:
    engine = _engine(module)
    tag_model = module.Tag
    db_dep = Annotated[Session, Depends(module.get_db)]
    app = FastAPI()

    @app.get("/tags")
    def list_tags(db: db_dep) -> list[str]:
        return list(db.scalars(select(tag_model.name).order_by(tag_model.id)))

    @app.get("/tags/{tag_id}")
    def read_tag(tag_id: int, db: db_dep) -> dict[str, Any]:
        tag = db.get(tag_model, tag_id)
        if tag is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"tag {tag_id} not found")
        return {"id": tag.id, "name": tag.name}

    @app.get("/crash")
    def crash(db: db_dep) -> None:
        db.scalar(select(func.count()).select_from(tag_model))  # holds a connection now
        raise RuntimeError(CRASH_MESSAGE)

    @app.get("/session")
    def session_facts(db: db_dep) -> dict[str, bool]:
        fresh = "ex02_seen" not in db.info
        db.info["ex02_seen"] = True
        return {"fresh": fresh, "from_session_local": db.get_bind() is engine}

    _tag_routes(app, "", module, db_dep, commits_itself=True)
    return app


def _alias(module: ModuleType, name: str, target: Callable[..., Any]) -> Any:
    alias = getattr(module, name)
    points_at = depends_target(alias)
    if points_at is None:
        raise NotImplementedError(f"{name} is not an Annotated[..., Depends(...)] alias yet")
    if points_at is not target:
        shown = getattr(points_at, "__name__", points_at)
        raise TypeError(f"{name} depends on {shown}, not {target.__name__}")
    return alias


def _transaction(module: ModuleType) -> FastAPI:
    _engine(module)
    app = FastAPI()
    tx_dep = _alias(module, "TransactionDep", module.get_db_transaction)
    _tag_routes(app, "/tx", module, tx_dep, commits_itself=False)
    return app


def _aliases(module: ModuleType) -> FastAPI:
    _engine(module)
    session_dep: Any = _alias(module, "SessionDep", module.get_db)
    tag_model = module.Tag
    app = FastAPI()

    @app.get("/alias/tags")
    def list_tags(db: session_dep) -> list[str]:
        return list(db.scalars(select(tag_model.name).order_by(tag_model.id)))

    return app


def apps(module: ModuleType, params: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    return {
        "main": lambda: _main(module),
        "tx": lambda: _transaction(module),
        "aliases": lambda: _aliases(module),
    }


def _checked_out(engine: Engine) -> int:
    return cast(QueuePool, engine.pool).checkedout()


def connections_in_use(module: ModuleType, params: dict[str, Any]) -> int:
    return _checked_out(_engine(module))


def fresh_pool(module: ModuleType, params: dict[str, Any]) -> int:
    """Swap in a new, full pool: connections leaked earlier stay with the old one.

    (Collecting garbage would not be enough: an idle worker thread keeps the last job it ran,
    and with it the exception and the frames that still hold a leaked session.)
    """
    engine = _engine(module)
    engine.dispose()
    return _checked_out(engine)


def stored_tag_names(module: ModuleType, params: dict[str, Any]) -> list[str]:
    """What the database really holds, read with our own session (none of the submission's code)."""
    _engine(module)
    with Session(_state["reader"]) as db:
        return [str(name) for name in db.scalars(select(module.Tag.name).order_by(module.Tag.id))]


PROBES: dict[str, Callable[..., Any]] = {
    "connections_in_use": connections_in_use,
    "fresh_pool": fresh_pool,
    "stored_tag_names": stored_tag_names,
}
