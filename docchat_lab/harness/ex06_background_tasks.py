"""Hosts exercise 6: the learner's documents app on a database of the harness's own.

The harness swaps the module's `engine`, `SessionLocal` and `split_into_chunks`:
- the sessions it hands out are tracked, so a probe can tell whether a task opened and closed
  one of its own;
- its chunker is predictable (the judge knows how many chunks a text gives), fails on purpose
  for text holding the judge's marker, and records, for each document, what it saw when it was
  called: the status committed in the database, and whether the response had been sent.
"""

import contextvars
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from docchat_lab.harness.support import warm_fastapi

REQUIRED = (
    "Base",
    "Document",
    "SessionLocal",
    "split_into_chunks",
    "process_document",
    "create_app",
)

# Set while the harness drives a request: {"responded": bool}; None outside any request.
_REQUEST: contextvars.ContextVar[dict[str, bool] | None] = contextvars.ContextVar(
    "ex06_request", default=None
)


# Every session the learner's SessionLocal() handed out, in order.
_OPENED: list["_TrackedSession"] = []


def warm_up() -> None:
    """Load the SQLite dialect and the ORM's machinery once, in the fork server."""
    warm_fastapi()
    from sqlalchemy import String
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    class _Base(DeclarativeBase):
        pass

    class _Row(_Base):
        __tablename__ = "rows"
        id: Mapped[int] = mapped_column(primary_key=True)
        text: Mapped[str] = mapped_column(String(20))

    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(_Row(text="warm"))
        session.commit()
        session.scalars(select(_Row).where(_Row.text == "warm")).all()
    engine.dispose()


class _TrackedSession(Session):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.harness_closed = False
        _OPENED.append(self)

    def close(self) -> None:
        self.harness_closed = True
        super().close()


@dataclass
class _State:
    engine: Engine
    judge: sessionmaker[Session]
    traces: dict[int, dict[str, Any]] = field(default_factory=dict)


_STATES: dict[int, _State] = {}


def _fast_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Durability is not under test: skip the fsync of every commit.
    dbapi_connection.execute("PRAGMA synchronous=OFF")


def _state(module: ModuleType, params: dict[str, Any]) -> _State:
    """Set the module up on the harness's database, once."""
    state = _STATES.get(id(module))
    if state is not None:
        return state
    path = Path.cwd() / "ex06-harness.db"
    engine = create_engine(
        f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 15}
    )
    event.listen(engine, "connect", _fast_sqlite)
    module.Base.metadata.create_all(engine)
    state = _State(engine, sessionmaker(engine))
    # The learner's code looks these names up when it runs, so it gets the harness's.
    setattr(module, "engine", engine)  # noqa: B010 - a module's attributes, set from outside
    setattr(module, "SessionLocal", sessionmaker(engine, class_=_TrackedSession))  # noqa: B010
    setattr(module, "split_into_chunks", _chunker(module, params, state))  # noqa: B010
    _STATES[id(module)] = state
    return state


def _chunker(module: ModuleType, params: dict[str, Any], state: _State) -> Callable[..., list[str]]:
    size = int(params["words_per_chunk"])
    marker = str(params["marker"])
    document = module.Document

    def split_into_chunks(text: str, *_args: Any, **_kwargs: Any) -> list[str]:
        request = _REQUEST.get()
        with state.judge() as session:
            row = session.execute(
                select(document.id, document.status)
                .where(document.content == text)
                .order_by(document.id.desc())
                .limit(1)
            ).first()
        if row is not None:
            trace = state.traces.setdefault(int(row[0]), {"calls": 0})
            trace["calls"] += 1
            trace["status_seen"] = row[1]
            trace["in_request"] = request is not None
            trace["responded"] = bool(request and request["responded"])
        if marker in text:
            raise ValueError(f"cannot split the text: unreadable passage {marker}")
        words = str(text).split()
        return [" ".join(words[i : i + size]) for i in range(0, len(words), size)]

    return split_into_chunks


class _RequestTracker:
    """Marks, for code running inside a request, whether the response has started."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        flag = {"responded": False}
        token = _REQUEST.set(flag)

        async def tracked(message: Message) -> None:
            if message["type"] == "http.response.start":
                flag["responded"] = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        finally:
            _REQUEST.reset(token)


def _main(module: ModuleType, params: dict[str, Any]) -> ASGIApp:
    _state(module, params)
    return _RequestTracker(module.create_app())


def apps(module: ModuleType, params: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    return {"main": lambda: _main(module, params)}


def _row(module: ModuleType, state: _State, document_id: int) -> dict[str, Any] | None:
    with state.judge() as session:
        document = session.get(module.Document, document_id)
        if document is None:
            return None
        return {
            "id": document.id,
            "title": document.title,
            "content": document.content,
            "status": document.status,
            "chunk_count": document.chunk_count,
            "error": document.error,
        }


def stored(module: ModuleType, params: dict[str, Any], document_id: int) -> dict[str, Any] | None:
    """The document's row as the database holds it, read in a session of the harness's own."""
    return _row(module, _state(module, params), document_id)


def count(module: ModuleType, params: dict[str, Any]) -> int:
    state = _state(module, params)
    with state.judge() as session:
        return int(session.scalar(select(func.count()).select_from(module.Document)) or 0)


def trace(module: ModuleType, params: dict[str, Any], document_id: int) -> dict[str, Any] | None:
    """What the chunker saw when it was called for this document; None if it never was."""
    return _state(module, params).traces.get(document_id)


def process(module: ModuleType, params: dict[str, Any], title: str, content: str) -> dict[str, Any]:
    """Store a pending document, then call process_document(id) directly, outside any request."""
    state = _state(module, params)
    with state.judge() as session:
        document = module.Document(title=title, content=content, status="pending")
        session.add(document)
        session.commit()
        document_id = int(document.id)
    before = len(_OPENED)
    raised = None
    try:
        module.process_document(document_id)
    except NotImplementedError:
        raise
    except Exception as exc:  # reported to the judge, who decides
        raised = f"{type(exc).__name__}: {exc}"[:300]
    sessions = _OPENED[before:]
    return {
        "id": document_id,
        "raised": raised,
        "row": _row(module, state, document_id),
        "sessions_opened": len(sessions),
        "sessions_closed": sum(s.harness_closed for s in sessions),
        "trace": state.traces.get(document_id),
    }


def process_missing(module: ModuleType, params: dict[str, Any], document_id: int) -> dict[str, Any]:
    """Call process_document with the id of no document; report whether it raised."""
    _state(module, params)
    try:
        module.process_document(document_id)
    except NotImplementedError:
        raise
    except Exception as exc:  # reported to the judge, who decides
        return {"raised": f"{type(exc).__name__}: {exc}"[:300]}
    return {"raised": None}


PROBES: dict[str, Callable[..., Any]] = {
    "stored": stored,
    "count": count,
    "trace": trace,
    "process": process,
    "process_missing": process_missing,
}
