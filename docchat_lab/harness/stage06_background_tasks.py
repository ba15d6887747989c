"""Hosts stage 06: the learner's whole app, whose routes queue their `process_document`.

What the judge sees, and how:
- `_AnswerWatch`, around the app, reads the database just before the answer to a POST goes
  out: a document that waits for the response is still `pending` then, with no chunks;
- the chunker the learner's processing calls fails on demand, for text that holds one of the
  judge's markers: a bug (RuntimeError) or a database failure (OperationalError);
- the "restarted" app opens on a database a crash left behind, so its start-up must finish it;
- PROBES call process_document and recover_unfinished directly, on a database of their own.
"""

import json
import sqlite3
from collections.abc import Callable
from itertools import count
from types import ModuleType
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from docchat_lab.harness.stage_support import (
    PACKAGE,
    data_dir,
    learner,
    run_database,
    seed_documents,
)
from docchat_lab.harness.support import warm_fastapi

MODULES = ("models", "core.config", "core.db", "services.chunking", "services.processing", "main")
REQUIRED = (
    "services.processing:process_document",
    "services.processing:recover_unfinished",
    "main:create_app",
)
__all__ = ["PACKAGE", "apps", "warm_up"]

# Document id -> its row as the database held it when the answer to its POST went out.
_AT_ANSWER: dict[int, dict[str, Any] | None] = {}
# Run once, by the chunker, the next time the learner's processing calls it.
_DURING_CHUNKING: list[Callable[[], None]] = []
_RUNS = count(1)


def warm_up() -> None:
    warm_fastapi()


def _settings(package: ModuleType, params: dict[str, Any], name: str) -> Any:
    return learner(package, "core.config").Settings(
        database_url=f"sqlite:///{data_dir(params) / name}.db",
        chunk_size=params["chunk_size"],
        chunk_overlap=params["chunk_overlap"],
    )


def _install_chunker(package: ModuleType, params: dict[str, Any]) -> None:
    """The learner's chunker, failing for the judge's markers; in both places it is looked up."""
    processing, chunking = (
        learner(package, "services.processing"),
        learner(package, "services.chunking"),
    )
    real = getattr(chunking.split_into_chunks, "judge_wraps", chunking.split_into_chunks)

    def split_into_chunks(text: str, *args: Any, **kwargs: Any) -> list[str]:
        while _DURING_CHUNKING:
            _DURING_CHUNKING.pop()()
        if params["bug_marker"] in text:
            raise RuntimeError(f"the chunker tripped over {params['bug_marker']}")
        if params["db_marker"] in text:
            raise OperationalError(
                "INSERT INTO chunks", {}, sqlite3.OperationalError("disk I/O error")
            )
        chunks: list[str] = real(text, *args, **kwargs)
        return chunks

    split_into_chunks.judge_wraps = real  # type: ignore[attr-defined]
    for module in (processing, chunking):
        setattr(module, "split_into_chunks", split_into_chunks)  # noqa: B010 - the learner's module


def _row(
    package: ModuleType, sessions: sessionmaker[Session], document_id: int
) -> dict[str, Any] | None:
    models = learner(package, "models")
    with sessions() as session:
        document = session.get(models.Document, document_id)
        if document is None:
            return None
        chunks = session.scalars(
            select(models.Chunk.text)
            .where(models.Chunk.document_id == document_id)
            .order_by(models.Chunk.position)
        )
        return {
            "id": document.id,
            "status": str(document.status),
            "chunk_count": document.chunk_count,
            "error": document.error,
            "chunks": list(chunks),
        }


class _AnswerWatch:
    """Notes what the database holds for a new document just before its 202 goes out."""

    def __init__(self, app: ASGIApp, read: Callable[[int], dict[str, Any] | None]) -> None:
        self.app, self.read = app, read

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body = bytearray()

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    self._note(bytes(body))
            await send(message)

        await self.app(scope, receive, watched)

    def _note(self, body: bytes) -> None:
        try:
            answer = json.loads(body)
        except ValueError:
            return
        if isinstance(answer, dict) and isinstance(answer.get("id"), int):
            _AT_ANSWER[answer["id"]] = self.read(answer["id"])


def _main(package: ModuleType, params: dict[str, Any]) -> ASGIApp:
    _install_chunker(package, params)
    settings = _settings(package, params, "stage06")
    app = learner(package, "main").create_app(settings)
    db = learner(package, "core.db")
    judge = db.build_session_factory(db.build_engine(settings.database_url))
    return _AnswerWatch(app, lambda document_id: _row(package, judge, document_id))


def _restarted(package: ModuleType, params: dict[str, Any]) -> Any:
    """An app started on what a crash left behind: its start-up must finish the work."""
    _install_chunker(package, params)
    engine, sessions = run_database(package, params, "stage06-restarted")
    seed_documents(package, sessions, params["left_behind"])
    engine.dispose()
    return learner(package, "main").create_app(_settings(package, params, "stage06-restarted"))


def apps(package: ModuleType, params: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    return {
        "main": lambda: _main(package, params),
        "restarted": lambda: _restarted(package, params),
    }


_PROBE_DB: dict[str, tuple[Engine, sessionmaker[Session]]] = {}


def _probe_database(package: ModuleType, params: dict[str, Any]) -> sessionmaker[Session]:
    if "probe" not in _PROBE_DB:
        _install_chunker(package, params)
        _PROBE_DB["probe"] = run_database(package, params, "stage06-probe")
    return _PROBE_DB["probe"][1]


def _call(function: Callable[[], Any]) -> dict[str, Any]:
    try:
        returned = function()
    except NotImplementedError:
        raise
    except Exception as exc:  # reported to the judge, who decides
        return {"raised": f"{type(exc).__name__}: {exc}"[:300], "returned": None}
    if isinstance(returned, list):
        shown = [item if isinstance(item, int) else repr(item) for item in returned]
        return {"raised": None, "returned": shown}
    return {"raised": None, "returned": None if returned is None else str(returned)}


def process(package: ModuleType, params: dict[str, Any], content: str, delete: str = "") -> Any:
    """Store a pending document and call process_document on it, outside any request.

    `delete`: "before" deletes it before the call, "meanwhile" while it is being chunked.
    """
    sessions = _probe_database(package, params)
    processing = learner(package, "services.processing")
    [document_id] = seed_documents(package, sessions, [{"title": "Probe", "content": content}])
    models = learner(package, "models")
    problems: list[str] = []

    def remove() -> None:
        try:
            with sessions() as session:
                session.delete(session.get(models.Document, document_id))
                session.commit()
        except Exception as exc:  # the learner's session may hold the database: say so
            problems.append(f"{type(exc).__name__}: {exc}"[:200])

    if delete == "before":
        remove()
    elif delete == "meanwhile":
        _DURING_CHUNKING.append(remove)
    settings = _settings(package, params, "stage06-probe")
    outcome = _call(lambda: processing.process_document(document_id, sessions, settings))
    _DURING_CHUNKING.clear()
    with sessions() as session:
        orphans = session.scalar(
            select(func.count())
            .select_from(models.Chunk)
            .where(models.Chunk.document_id == document_id)
        )
    row = _row(package, sessions, document_id)
    return {**outcome, "id": document_id, "row": row, "orphans": orphans, "problems": problems}


def recover(
    package: ModuleType,
    params: dict[str, Any],
    documents: list[dict[str, Any]],
    hand_over: bool = False,
) -> Any:
    """Seed a fresh database with these documents, then call recover_unfinished on it.

    `hand_over`: pass a `process` that only notes the ids it is given (what a queue does).
    """
    name = f"stage06-recover-{next(_RUNS)}"
    _install_chunker(package, params)
    engine, sessions = run_database(package, params, name)
    try:
        ids = seed_documents(package, sessions, documents)
        processing = learner(package, "services.processing")
        settings = _settings(package, params, name)
        handed: list[Any] = []
        if hand_over:
            outcome = _call(
                lambda: processing.recover_unfinished(sessions, settings, handed.append)
            )
        else:
            outcome = _call(lambda: processing.recover_unfinished(sessions, settings))
        rows = [_row(package, sessions, i) for i in ids]
        return {**outcome, "ids": ids, "rows": rows, "handed": [_shown(h) for h in handed]}
    finally:
        engine.dispose()


def _shown(value: Any) -> Any:
    return value if isinstance(value, int) and not isinstance(value, bool) else repr(value)[:40]


def at_answer(package: ModuleType, params: dict[str, Any], document_id: int) -> Any:
    """The document as the database held it when the answer to its POST went out."""
    return _AT_ANSWER.get(document_id, "never seen")


PROBES: dict[str, Callable[..., Any]] = {
    "process": process,
    "recover": recover,
    "at_answer": at_answer,
}

# What `try_yours(6)` shows: an app restarted on what a crash left behind.
TOUR_APP = "restarted"
TOUR_PARAMS = {
    "chunk_size": 120,
    "chunk_overlap": 20,
    "bug_marker": "\0bug",
    "db_marker": "\0db",
    "left_behind": [
        {
            "title": "Kettle manual",
            "content": "Descale the kettle monthly. Use white vinegar and rinse twice. "
            "Never run it empty: the element overheats and the fuse trips.",
            "status": "pending",
        },
        {
            "title": "Descaling log",
            "content": "March: descaled, two rinses. April: descaled, the filter replaced.",
            "status": "processing",
        },
    ],
}
TOUR = [
    ("GET", "/documents/1"),
    ("GET", "/documents/2"),
    ("GET", "/documents/1/chunks?limit=1"),
]
