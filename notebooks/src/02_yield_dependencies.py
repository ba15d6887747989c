# %% [markdown]
# # 02 · Dependencies with `yield`: setup, teardown, and when teardown really runs
#
# Some dependencies hand out a resource that has to be given back: a database session, a file, an
# HTTP client. A dependency written with `yield` does both halves: the code before `yield` sets
# the resource up, the code after it tears it down. This notebook starts from the version most
# tutorials show first, a `get_db` that *returns* its session, and makes its bug visible: the
# connection pool runs dry. Then it measures, event by event, **when** the teardown runs (the
# answer depends on how the request ends, and on the dependency's `scope`), and draws the rules
# that follow for exceptions, commits and background tasks. DocChat's own `get_db` closes it.
#
# **After this notebook you can:**
# - explain why `return SessionLocal()` leaks, and show it happening;
# - write a `yield` dependency with `try/finally` or `with`;
# - say exactly when the code after `yield` runs: after a normal response, when the endpoint
#   raised, and with `Depends(..., scope="function")`;
# - avoid the three traps: swallowing exceptions, committing after `yield`, and handing the
#   request's session to a background task.

# %%
# Warnings are errors here, as in the test suite: a deprecation fails the cell that causes it.
import warnings

warnings.simplefilter("error")
# ipykernel warns about its own shutdown code; that is the kernel's business, not the lesson's.
warnings.filterwarnings("default", module="ipykernel")

from docchat_lab.notebook import setup

setup()

# %% [markdown]
# ## The `get_db` that returns
#
# A SQLAlchemy `Session` borrows a connection from the engine's **pool** the first time it talks
# to the database, and gives it back when it is closed (or commits and has nothing left to do).
# A pool holds a fixed number of connections. Here it is deliberately tiny, so the effect shows at
# once: `pool_size=2` connections, no overflow, and a `pool_timeout` of 0.2 s before a request
# that cannot get a connection gives up.
#
# The dependency below creates a session and returns it. Nothing ever closes it.

# %%
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from docchat_lab.notebook import scratch_dir


def small_pool_engine():
    """A SQLite file behind a pool of exactly two connections."""
    return create_engine(
        f"sqlite:///{scratch_dir() / 'pool.db'}",
        poolclass=QueuePool,
        pool_size=2,
        max_overflow=0,
        pool_timeout=0.2,
        connect_args={"check_same_thread": False},  # sync endpoints run in worker threads
    )


engine = small_pool_engine()
SessionLocal = sessionmaker(bind=engine)


def get_db_that_returns() -> Session:
    return SessionLocal()  # handed over... and never closed


leaky = FastAPI()


@leaky.get("/ping-db")
def ping_db(db: Annotated[Session, Depends(get_db_that_returns)]) -> dict[str, int]:
    return {"answer": db.scalar(text("SELECT 1"))}


print("pool size:", engine.pool.size(), "| connections in use:", engine.pool.checkedout())

# %% [markdown]
# Now three requests, one after the other. Nothing runs concurrently; each request finishes
# before the next starts.
#
# One detail keeps the demo repeatable: Python's *garbage collector* would eventually find the
# abandoned sessions and hand their connections back, at a moment nobody chooses. We hold it off
# for the duration of the cell (`gc.disable()`), which is what a busy server experiences anyway:
# requests arrive faster than the collector happens to run.

# %%
# erratum 2: a get_db that returns never closes its session; with a pool of 2, request 3 fails
import gc

from sqlalchemy import exc as sa_exc

outcomes = []
gc.disable()
try:
    with TestClient(leaky) as client:
        for _ in range(3):
            try:
                outcomes.append(str(client.get("/ping-db").status_code))
            except sa_exc.TimeoutError as error:
                outcomes.append(f"{type(error).__name__}: {str(error).split(',')[0]}")
        still_checked_out = engine.pool.checkedout()
finally:
    gc.enable()

assert outcomes[:2] == ["200", "200"]
assert outcomes[2] == "TimeoutError: QueuePool limit of size 2 overflow 0 reached"
assert still_checked_out == 2, "both connections are still held by sessions nobody closed"
for number, outcome in enumerate(outcomes, start=1):
    print(f"request {number}: {outcome}")
print("connections still checked out after the requests:", still_checked_out)

# %% [markdown]
# Two requests, two connections borrowed and never returned; the third request waits for a free
# connection, and after `pool_timeout` it fails. On a real server every later request fails the
# same way (a 500 for the user) until something returns a connection. The "something" is the
# garbage collector: it finds the abandoned sessions eventually, and SQLAlchemy then returns their
# connections quietly. Relying on that is relying on luck:

# %%
gc.collect()
after_collection = engine.pool.checkedout()
assert after_collection == 0
print("after gc.collect(), connections checked out:", after_collection)
engine.dispose()

# %% [markdown]
# > **PHP bridge.** In classic PHP (PHP-FPM), every request starts a fresh process state and
# > everything is thrown away at the end, so a forgotten connection dies with the request. A
# > Python web server is one long-lived process serving thousands of requests, so anything a
# > request forgets to release piles up. Laravel developers meet the same class of bug when they
# > move to **Octane** (Swoole/RoadRunner), where the app also stays in memory between requests.
#
# ## The fix: `yield`, with `try/finally` or `with`
#
# A dependency that `yield`s is a generator. FastAPI runs it up to the `yield`, passes the yielded
# value to the endpoint, and later resumes it to run the rest. Put the cleanup in a `finally`
# block and it runs whatever happens. A session is also a context manager, so `with` says the same
# thing in fewer lines; DocChat uses that form.
#
# The cell below serves both versions and sends ten requests to each through the same two-
# connection pool, with the garbage collector still off, so it cannot be the one doing the
# cleanup.

# %%
from collections.abc import Iterator

engine = small_pool_engine()
SessionLocal = sessionmaker(bind=engine)


def get_db_try_finally() -> Iterator[Session]:
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def get_db_with() -> Iterator[Session]:
    with SessionLocal() as db:
        yield db


fixed = FastAPI()


@fixed.get("/try-finally")
def via_try_finally(db: Annotated[Session, Depends(get_db_try_finally)]) -> dict[str, int]:
    return {"answer": db.scalar(text("SELECT 1"))}


@fixed.get("/with")
def via_with(db: Annotated[Session, Depends(get_db_with)]) -> dict[str, int]:
    return {"answer": db.scalar(text("SELECT 1"))}


gc.disable()
try:
    with TestClient(fixed) as client:
        statuses = {client.get(path).status_code for path in ["/try-finally", "/with"] * 10}
    in_use = engine.pool.checkedout()
finally:
    gc.enable()
engine.dispose()

assert statuses == {200}
assert in_use == 0
print("20 requests through a pool of 2:", sorted(statuses), "| connections left in use:", in_use)

# %% [markdown]
# ## When does the code after `yield` run?
#
# "After the response is sent" is the usual one-line answer, and it is only one of three. To see
# the real order, the next cell records events as they happen:
#
# - the dependency records its setup, its `except` block (if an exception passes through
#   `yield`) and its teardown;
# - the endpoint records that it ran, and queues a **background task** that records itself;
# - a thin wrapper around the whole app records the moment the response's status line and
#   last byte leave the app.
#
# First, the ordinary case: the endpoint returns normally, and the dependency has the default
# scope (`"request"`).

# %%
# erratum 3: default scope: teardown runs after the response is sent and after background tasks
from fastapi import BackgroundTasks, HTTPException

events: list[str] = []


class RecordResponse:
    """Wraps an ASGI app and notes when the response starts and when its last byte is sent."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        async def noting_send(message) -> None:
            await send(message)
            if message["type"] == "http.response.start":
                events.append(f"response {message['status']} starts")
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                events.append("response sent")

        await self.app(scope, receive, noting_send)


def resource() -> Iterator[str]:
    events.append("dependency: setup")
    try:
        yield "the resource"
    except Exception as exc:
        events.append(f"dependency: except sees {type(exc).__name__}")
        raise  # always re-raise (see below)
    finally:
        events.append("dependency: teardown")


timeline = FastAPI()


@timeline.get("/ok")
def ok(res: Annotated[str, Depends(resource)], tasks: BackgroundTasks) -> dict[str, bool]:
    events.append("endpoint")
    tasks.add_task(events.append, "background task")
    return {"ok": True}


def run(path: str) -> list[str]:
    events.clear()
    with TestClient(RecordResponse(timeline), raise_server_exceptions=False) as client:
        client.get(path)
    return list(events)


default_order = run("/ok")
assert default_order == [
    "dependency: setup",
    "endpoint",
    "response 200 starts",
    "response sent",
    "background task",
    "dependency: teardown",
]
print(" -> ".join(default_order))

# %% [markdown]
# The teardown runs **last**: after the client has the whole response, and even after the
# background tasks. So a session that a `yield` dependency opens stays open while the background
# tasks run.
#
# Second case: the endpoint raises, either an `HTTPException` (a 404 here) or a plain crash. Now
# the exception travels back **through the dependency** first: an `except` around the `yield`
# sees it. Then the teardown runs, and only then is the error response produced and sent.


# %%
# erratum 3: endpoint raises: the dependency sees the exception, tears down, then the error response
@timeline.get("/missing")
def missing(res: Annotated[str, Depends(resource)]) -> None:
    events.append("endpoint raises")
    raise HTTPException(status_code=404, detail="no such thing")


@timeline.get("/crash")
def crash(res: Annotated[str, Depends(resource)]) -> None:
    events.append("endpoint raises")
    raise RuntimeError("bug")


not_found_order = run("/missing")
crash_order = run("/crash")

expected_start = ["dependency: setup", "endpoint raises"]
assert not_found_order == [
    *expected_start,
    "dependency: except sees HTTPException",
    "dependency: teardown",
    "response 404 starts",
    "response sent",
]
assert crash_order == [
    *expected_start,
    "dependency: except sees RuntimeError",
    "dependency: teardown",
    "response 500 starts",
    "response sent",
]
print("404:", " -> ".join(not_found_order))
print("500:", " -> ".join(crash_order))

# %% [markdown]
# Third case: since FastAPI 0.121 a dependency can ask for a shorter life with
# `Depends(dep, scope="function")`. Its teardown then runs as soon as the endpoint has returned
# and its return value has been serialised, **before** the response is sent, and before the
# background tasks. (The endpoint below returns a Pydantic model that notes when it is
# serialised.)


# %%
# erratum 3: with scope="function" the teardown runs after the endpoint, before the response
from pydantic import BaseModel, field_serializer


class Done(BaseModel):
    ok: bool

    @field_serializer("ok")
    def note_serialisation(self, value: bool) -> bool:
        events.append("return value serialised")
        return value


@timeline.get("/function-scope")
def function_scope(
    res: Annotated[str, Depends(resource, scope="function")], tasks: BackgroundTasks
) -> Done:
    events.append("endpoint")
    tasks.add_task(events.append, "background task")
    return Done(ok=True)


function_order = run("/function-scope")
assert function_order == [
    "dependency: setup",
    "endpoint",
    "return value serialised",
    "dependency: teardown",
    "response 200 starts",
    "response sent",
    "background task",
]
print(" -> ".join(function_order))

# %% [markdown]
# | how the request ends | order |
# |---|---|
# | normal return, default scope | endpoint → response sent → background tasks → **teardown** |
# | endpoint raises (404 or crash) | endpoint → `except` in the dependency → **teardown** → error |
# | normal return, `scope="function"` | endpoint → **teardown** → response sent → background tasks |
#
# > **PHP bridge.** The default scope behaves like Laravel's *terminable middleware*: its
# > `terminate()` method runs after the response has gone to the browser (Symfony's
# > `kernel.terminate` event). It is the right place for cleanup, and the wrong place for anything
# > the client needs to know about.
#
# > **Interview probe.** *"In a dependency with `yield`, when does the code after `yield` run?"*
# > It depends. With the default scope: after the response has been sent, and after background
# > tasks. If the endpoint raised: the exception first passes through the dependency, the cleanup
# > runs, and then the error response is sent. With `scope="function"`: right after the endpoint
# > returns, before the response. In every case it runs, which is the point.
#
# ## Trap 1: an `except` around `yield` must re-raise
#
# The `except` block above ends with `raise`. It is tempting to write
# `except Exception: log(...)` and stop there, "to be safe". But an `HTTPException` is an
# exception too: it passes through the dependency on its way to becoming a 404. If the
# dependency swallows it, FastAPI is left with no response at all, and answers 500.


# %%
# erratum 4: an except around yield that swallows the exception turns even a 404 into a 500
import textwrap

logged: list[str] = []


def swallowing_resource() -> Iterator[str]:
    try:
        yield "the resource"
    except Exception as exc:
        logged.append(type(exc).__name__)  # "log it and carry on": the exception stops here


def reraising_resource() -> Iterator[str]:
    try:
        yield "the resource"
    except Exception:
        raise


def not_found() -> None:
    raise HTTPException(status_code=404, detail="no such document")


trap = FastAPI()


@trap.get("/swallowed")
def swallowed(res: Annotated[str, Depends(swallowing_resource)]) -> None:
    not_found()


@trap.get("/reraised")
def reraised(res: Annotated[str, Depends(reraising_resource)]) -> None:
    not_found()


@trap.get("/swallowed-function-scope")
def swallowed_function_scope(
    res: Annotated[str, Depends(swallowing_resource, scope="function")],
) -> None:
    not_found()


with TestClient(trap, raise_server_exceptions=False) as client:
    swallowed_status = client.get("/swallowed").status_code
    reraised_response = client.get("/reraised")
    function_scope_status = client.get("/swallowed-function-scope").status_code

with TestClient(trap) as client:  # raise_server_exceptions=True shows what the server logged
    try:
        client.get("/swallowed")
        server_error = None
    except Exception as exc:
        server_error = exc

assert swallowed_status == 500
assert "HTTPException" in logged, "the dependency saw the 404 and swallowed it"
assert function_scope_status == 500
assert reraised_response.status_code == 404
assert reraised_response.json() == {"detail": "no such document"}
assert type(server_error).__name__ == "FastAPIError"
assert str(server_error).startswith("Response not awaited.")
assert "dependency with yield has a block with a bare except" in str(server_error)
print("swallowed 404 ->", swallowed_status, "| with scope='function' ->", function_scope_status)
print("re-raised 404 ->", reraised_response.status_code, reraised_response.json())
message = str(server_error)
print(textwrap.fill("the server's error: " + message[: message.index(" Read more")], width=96))

# %% [markdown]
# Catch what you need to (to roll back, to log), then `raise`. If you only need cleanup, use
# `finally` or `with`, and don't write an `except` at all: `with SessionLocal() as db: yield db`
# is already correct.
#
# ## Trap 2: committing (or failing) after `yield` is too late
#
# With the default scope, the teardown runs after the client has its response. So a `get_db`
# that commits after `yield` tells the client "saved" **before** it knows whether the commit
# works. We show it on a real server, `uvicorn` running in a thread of this kernel: the teardown
# below waits until the client confirms it already holds the response, and only then commits.
# The second request adds a duplicate of a unique value, so its commit fails.

# %%
import threading

from sqlalchemy import String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import NullPool


class Base(DeclarativeBase):
    pass


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")


def fresh_database() -> sessionmaker[Session]:
    """A new SQLite file with this notebook's tables, and a session factory for it.

    NullPool: each connection closes when its session ends, so none waits for the garbage
    collector (which, since Python 3.13, warns about every unclosed one).
    """
    db_engine = create_engine(
        f"sqlite:///{scratch_dir() / 'app.db'}",
        connect_args={"check_same_thread": False},
        poolclass=NullPool,
    )
    Base.metadata.create_all(db_engine)
    return sessionmaker(bind=db_engine)


def count_tags(sessions: sessionmaker[Session]) -> int:
    with sessions() as db:
        return db.scalar(select(func.count()).select_from(Tag))


print("tables:", sorted(Base.metadata.tables))

# %%
# erratum 5: default scope: a commit after yield is too late, the client already has its 200
import time

import httpx2

from docchat_lab.notebook import serve

late_sessions = fresh_database()
client_has_response = threading.Event()
teardown_finished = threading.Event()
teardown_notes: list[str] = []


def get_db_commit_after_yield() -> Iterator[Session]:
    with late_sessions() as db:
        yield db
        try:
            teardown_notes.append(f"client already had the response: {client_has_response.wait(5)}")
            db.commit()
        finally:
            teardown_finished.set()


late = FastAPI()


@late.post("/tags/{name}")
def add_tag(name: str, db: Annotated[Session, Depends(get_db_commit_after_yield)]) -> dict:
    db.add(Tag(name=name))
    return {"saved": name}


server = serve(late, name="late-commit")
answers = []
try:
    for _ in range(2):
        client_has_response.clear()
        teardown_finished.clear()
        response = httpx2.post(f"{server.url}/tags/python", timeout=10)
        client_has_response.set()
        assert teardown_finished.wait(5)
        answers.append((response.status_code, response.json()))
    # The failed commit's exception reaches uvicorn, which logs it: wait for that line.
    deadline = time.monotonic() + 5
    while not server.log_messages() and time.monotonic() < deadline:
        time.sleep(0.02)
finally:
    server.stop()

assert answers == [(200, {"saved": "python"}), (200, {"saved": "python"})]
assert teardown_notes == ["client already had the response: True"] * 2
assert count_tags(late_sessions) == 1, "the second 'saved' never reached the database"
server_log = [message.strip() for message in server.log_messages()]
assert server_log == ["Exception in ASGI application"]
print("client got:", answers)
print("teardown:", teardown_notes[0])
print("rows in the table:", count_tags(late_sessions))
print("the failed commit is only in the server's log:", server_log)

# %% [markdown]
# The client was told "saved" twice; the database holds one row; the only trace of the failure
# is a line in the server's log. Under `TestClient` the same failure is raised inside your test,
# because `TestClient` re-raises server errors by default. That makes tests stricter than real
# clients, which is good, but it can hide the fact that a real client is never told:

# %%
from sqlalchemy.exc import IntegrityError

client_has_response.set()  # TestClient returns only after the teardown: nothing to wait for
with TestClient(late) as client:
    try:
        client.post("/tags/python")
        raised_in_test = None
    except IntegrityError as exc:
        raised_in_test = exc

assert isinstance(raised_in_test, IntegrityError)
assert "UNIQUE constraint failed: tags.name" in str(raised_in_test)
print("under TestClient the duplicate raises:", type(raised_in_test).__name__)

# %% [markdown]
# Two ways to make the client hear about it:
#
# - **Commit inside the endpoint** (or in a service it calls), where a failure can still become
#   the response: here a `409 Conflict`. This is what DocChat does.
# - Or give the committing dependency `scope="function"`: its teardown then runs before the
#   response exists, so a failing commit becomes a 500 instead of a false 200.

# %%
# erratum 5: commit in the endpoint (or scope="function") and the client learns of the failure
good_sessions = fresh_database()


def get_db() -> Iterator[Session]:
    with good_sessions() as db:
        yield db


def get_db_commit_in_function_scope() -> Iterator[Session]:
    with good_sessions() as db:
        yield db
        db.commit()


SessionDep = Annotated[Session, Depends(get_db)]
honest = FastAPI()


@honest.post("/tags/{name}", status_code=201)
def create_tag(name: str, db: SessionDep) -> dict:
    db.add(Tag(name=name))
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise HTTPException(status_code=409, detail=f"tag {name!r} already exists") from None
    return {"saved": name}


@honest.post("/function-scope/tags/{name}", status_code=201)
def create_tag_function_scope(
    name: str, db: Annotated[Session, Depends(get_db_commit_in_function_scope, scope="function")]
) -> dict:
    db.add(Tag(name=name))
    return {"saved": name}


with TestClient(honest, raise_server_exceptions=False) as client:
    first = client.post("/tags/python")
    duplicate = client.post("/tags/python")
    scoped_first = client.post("/function-scope/tags/rust")
    scoped_duplicate = client.post("/function-scope/tags/rust")

assert (first.status_code, duplicate.status_code) == (201, 409)
assert duplicate.json() == {"detail": "tag 'python' already exists"}
assert (scoped_first.status_code, scoped_duplicate.status_code) == (201, 500)
assert count_tags(good_sessions) == 2
print(
    "commit in the endpoint:    ",
    first.status_code,
    "then",
    duplicate.status_code,
    duplicate.json(),
)
print("commit, scope='function':  ", scoped_first.status_code, "then", scoped_duplicate.status_code)

# %% [markdown]
# ## Trap 3: background tasks get ids, not the request's session
#
# A background task runs after the response. Whatever it receives must still be valid then. The
# request's session is not a safe thing to pass: with the default scope it is closed right after
# the tasks (so it happens to work, and the request's session lives as long as the slowest
# task), and with `scope="function"` it is **already closed** when the task starts. Closing a
# session detaches the objects it loaded. A detached object still accepts changes in Python, but
# no session is tracking it any more, so committing writes nothing, and nothing complains.

# %%
# erratum 6: scope="function": a task given the request's session and objects commits nothing
job_sessions = fresh_database()
task_notes: list[str] = []


def get_job_db() -> Iterator[Session]:
    with job_sessions() as db:
        yield db


def finish_job_wrongly(job: Job, db: Session) -> None:
    job.status = "done"  # the object was detached when the session closed
    db.commit()  # nothing to write: this session no longer tracks the job
    task_notes.append(f"task finished without error; job.status in memory = {job.status!r}")


jobs = FastAPI()


@jobs.post("/jobs", status_code=202)
def start_job(
    db: Annotated[Session, Depends(get_job_db, scope="function")], tasks: BackgroundTasks
) -> dict:
    job = Job()
    db.add(job)
    db.commit()
    tasks.add_task(finish_job_wrongly, job, db)
    return {"id": job.id, "status": job.status}


with TestClient(jobs) as client:  # TestClient re-raises task errors, so "no error" is real
    accepted = client.post("/jobs")

with job_sessions() as db:
    stored = db.get(Job, accepted.json()["id"]).status

assert accepted.status_code == 202
assert task_notes == ["task finished without error; job.status in memory = 'done'"]
assert stored == "pending", "the change never reached the database"
print("202 then:", task_notes[0])
print("status in the database:", repr(stored))

# %% [markdown]
# The task raised nothing, believed it had finished, and the job is still `pending`, forever.
#
# Why no error? By default a closed SQLAlchemy 2 session can be used again: it quietly starts a
# new transaction. So a task that *queries* through the request's closed session may even appear
# to work, while one that changes objects it was handed loses the changes. SQLAlchemy has a
# stricter setting, `close_resets_only=False`, under which a closed session refuses all further
# work; it is not the default:

# %%
from sqlalchemy.exc import InvalidRequestError

with job_sessions() as db:
    pass  # leaving the block closes the session
reused = db.scalar(select(func.count()).select_from(Job))  # no error: it starts over

strict_sessions = sessionmaker(bind=job_sessions.kw["bind"], close_resets_only=False)
with strict_sessions() as strict:
    pass
try:
    strict.scalar(select(func.count()).select_from(Job))
    strict_error = None
except InvalidRequestError as exc:
    strict_error = str(exc)

assert reused == 1
assert strict_error is not None
assert "permanently closed" in strict_error
print("closed session, default:           query works, counted", reused, "job")
print("closed session, close_resets_only=False:", strict_error)

# %% [markdown]
# The rule: give a background task **ids and a way to open its own session**, never the
# request's session or ORM objects. The task then loads fresh objects and commits in a session
# whose lifetime it controls:


# %%
def finish_job(job_id: int, sessions: sessionmaker[Session]) -> None:
    with sessions() as db:
        job = db.get(Job, job_id)
        job.status = "done"
        db.commit()


@jobs.post("/v2/jobs", status_code=202)
def start_job_v2(
    db: Annotated[Session, Depends(get_job_db, scope="function")], tasks: BackgroundTasks
) -> dict:
    job = Job()
    db.add(job)
    db.commit()
    tasks.add_task(finish_job, job.id, job_sessions)
    return {"id": job.id, "status": job.status}


with TestClient(jobs) as client:
    accepted = client.post("/v2/jobs")

with job_sessions() as db:
    stored = db.get(Job, accepted.json()["id"]).status

assert accepted.status_code == 202
assert stored == "done"
print("202 then the task's own session wrote:", repr(stored))

# %% [markdown]
# > **Interview probe.** *"Why shouldn't a background task use the request's database session?"*
# > Because the session's lifetime belongs to the request. Depending on the scope, it is either
# > closed before the task runs (changes to its objects are silently lost) or kept open until
# > every task has finished, so the request's cleanup waits on work it does not control. Pass the
# > id, and let the task open its own session.
#
# ## Build step: DocChat's `get_db` and `SessionDep`
#
# DocChat's session dependency is the `with` form. It takes the session factory from the app
# that is serving the request (each app built by `create_app` has its own), yields one session
# per request, and closes it whatever happens. It has no `except`, so exceptions pass through
# untouched, and it does not commit: the routes commit where a failure can still become the
# response. It is `async def`: opening a session connects to nothing, so it needs no thread;
# the routes run their queries on the database's own thread, where the connection is taken
# and given back in one step (`docs/app.md` says why).

# %%
from docchat_lab.notebook import source

source("docchat.api.deps", "get_db")

# %%
from typing import get_args

from docchat.api import deps

session_type, session_marker = get_args(deps.SessionDep)
assert session_type is Session
assert session_marker.dependency is deps.get_db
print("SessionDep = Annotated[Session, Depends(get_db)]")

# %% [markdown]
# And DocChat's background work follows trap 3's rule: `process_document` receives the
# document's **id** and the app's **session factory**, and opens its own session.

# %%
import inspect

from docchat.services.processing import process_document

parameters = list(inspect.signature(process_document).parameters)
assert parameters == ["document_id", "sessions", "settings"]
print(f"process_document({', '.join(parameters)})")

# %% [markdown]
# Now the check, on the real app with a database file: upload a document (202; the background
# task processes it), read it back, ask for an unknown id (the 404 passes through `get_db`
# untouched), and confirm that after all of that, with the garbage collector held off, no
# connection is left checked out of the pool.

# %%
from docchat.core.config import Settings
from docchat.main import create_app
from docchat_lab.notebook import sqlite_url

app = create_app(Settings(database_url=sqlite_url()))
gc.disable()
try:
    with TestClient(app) as client:
        created = client.post(
            "/documents/", json={"title": "Teapot", "content": "Warm the pot before brewing."}
        )
        document = client.get(f"/documents/{created.json()['id']}")
        unknown = client.get("/documents/999")
        listed = [client.get("/documents/").status_code for _ in range(10)]
        connections_in_use = app.state.engine.pool.checkedout()
finally:
    gc.enable()

assert created.status_code == 202
assert document.status_code == 200
assert document.json()["status"] == "ready"
assert unknown.status_code == 404
assert unknown.json() == {"detail": "document 999 not found"}
assert listed == [200] * 10
assert connections_in_use == 0
print("POST /documents/ ->", created.status_code, "| then GET ->", document.json()["status"])
print("GET /documents/999 ->", unknown.status_code, unknown.json())
print("connections still checked out after 13 requests:", connections_in_use)

# %% [markdown]
# ## Your turn

# %% [markdown]
# Open **`exercises/ex02_yield_dependencies.py`** in JupyterLab
# (double-click it in the file browser on the left). Write the session dependency every DocChat
# route uses, and a transactional one:
#
# - `get_db()` yields one session per request and closes it whatever happens; exceptions pass
#   through untouched;
# - `get_db_transaction()` commits before the response is sent (`scope="function"`), turns a
#   failed commit into an error response, and rolls back when the endpoint raises;
# - the `SessionDep` and `TransactionDep` aliases.
#
# The engine in the file has a pool of two connections, so a leak fails the checks after two
# requests, exactly as it would fail DocChat after a few hundred.
#
# Run the next cell after each change. It runs the checks in a fresh process, so you never need
# to restart the kernel, and tells you for each check what was called, what came back, what was
# expected, and a hint. Until you start, every check says "not done yet".
#
# Or keep a terminal open beside the file (File → New → Terminal): `docchat-lab watch ex02`
# checks again each time you save. `docchat-lab progress` shows which exercises pass so far,
# and `docchat-lab reset ex02` starts over (every earlier version is kept).
#
# <!-- exercise: ex02_yield_dependencies -->

# %%
from docchat_lab.learner_check import check

check("ex02")

# %% [markdown]
# ## Recap
#
# - `return SessionLocal()` never closes the session: its connection stays out of the pool until
#   the garbage collector happens to run; with a pool of 2, the third request fails with
#   `QueuePool limit of size 2 overflow 0 reached`.
# - `yield` inside `try/finally`, or inside `with SessionLocal() as db:`, always cleans up.
# - Teardown order: default scope → after the response **and** after background tasks; endpoint
#   raised → the exception passes through the dependency, teardown, then the error response;
#   `scope="function"` → right after the endpoint, before the response.
# - An `except` around `yield` must `raise` again, or even a 404 becomes a 500.
# - Don't commit (or fail) after `yield` with the default scope: the client already has its 200.
#   Commit in the endpoint, where a failure can become a 409 or a 500.
# - Background tasks get ids and a session factory, never the request's session or ORM objects.
# - DocChat: `get_db` is `with sessions() as session: yield session`; `SessionDep` names it.
