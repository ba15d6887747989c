"""What the stage harnesses share: the learner's modules, and a database of the run's own."""

import importlib
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

PACKAGE = "my_docchat"


def learner(package: ModuleType, module: str) -> ModuleType:
    """`my_docchat.<module>` of the package under test (already imported, or imported now)."""
    name = f"{package.__name__}.{module}"
    return sys.modules.get(name) or importlib.import_module(name)


def data_dir(params: dict[str, Any]) -> Path:
    """Where a run keeps its files: the worker's own folder, or the folder a tour was given."""
    return Path(params.get("data_dir") or Path.cwd())


def run_database(
    package: ModuleType, params: dict[str, Any], name: str
) -> tuple[Engine, sessionmaker[Session]]:
    """A SQLite file in the run's own folder, with the learner's tables, built by their code."""
    db = learner(package, "core.db")
    engine: Engine = db.build_engine(f"sqlite:///{data_dir(params) / name}.db")
    db.init_db(engine)
    return engine, db.build_session_factory(engine)


def app_closing(engine: Engine) -> FastAPI:
    """An app of ours that disposes of the run's database when it stops: its pooled
    connections are closed then, not left to the garbage collector (which warns since 3.13)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            engine.dispose()

    return FastAPI(lifespan=lifespan)


def seed_documents(
    package: ModuleType, sessions: sessionmaker[Session], documents: list[dict[str, Any]]
) -> list[int]:
    """Store the judge's documents as they are, in order; their ids."""
    models = learner(package, "models")
    with sessions() as session:
        rows = [models.Document(**document) for document in documents]
        session.add_all(rows)
        session.commit()
        return [row.id for row in rows]


def sessions_for_checks(sessions: sessionmaker[Session]) -> Any:
    """A get_db of the harness's own, for stages that are checked before get_db is written."""

    def get_db() -> Iterator[Session]:
        with sessions() as session:
            yield session

    return get_db
