# %% [markdown]
# # 02 · Dependencies with `yield`: setup, teardown, and when teardown really runs
#
# Some dependencies hand out something that has to be given back: a database session, a file,
# an HTTP client opened for one request. A dependency written with `yield` does both halves: the
# code before `yield` sets the resource up, the code after it tears it down. This notebook starts
# from the version many tutorials show first, a `get_db` that *returns* its session, and makes
# its bug visible: the connection pool runs dry. Then it records, event by event, **when** the
# teardown runs, and draws the rules that follow for exceptions, commits and background tasks.
# Then you write DocChat's `get_db` yourself.
#
# **After this notebook you can:**
# - explain why `return SessionLocal()` leaks, and show it happening;
# - write a `yield` dependency with `with` (or `try/finally`);
# - say when the code after `yield` runs: after a normal response, when the endpoint raised,
#   and with `Depends(..., scope="function")`;
# - avoid three traps: swallowing exceptions, committing after `yield`, and handing the
#   request's session to a background task;
# - tell when a per-request HTTP client is the right shape, and what it costs;
# - write `get_db` in `my_docchat/api/deps.py`, DocChat's stage 02.

# %%
# Warnings are errors here, as in the test suite: a deprecation fails the cell that causes it.
import warnings

warnings.simplefilter("error")
# ipykernel warns about its own shutdown code; that is the kernel's business, not the lesson's.
warnings.filterwarnings("default", module="ipykernel")

from docchat_lab.notebook import setup

setup(stage=2)

# %% [markdown]
# ## The `get_db` that returns
#
# A SQLAlchemy `Session` borrows a connection from the engine's **pool** the first time it talks
# to the database, and gives it back when it is closed. A pool holds a fixed number of
# connections. Here it is deliberately tiny, so the effect shows at once: two connections, no
# overflow, and a `pool_timeout` of 0.2 s before a request that cannot get one gives up.
#
# The dependency below creates a session and returns it. Nothing ever closes it.

# %%
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from docchat_lab.lesson.pools import small_pool_engine
from docchat_lab.notebook import scratch_dir

engine = small_pool_engine(scratch_dir() / "pool.db", size=2)
SessionLocal = sessionmaker(bind=engine)


def get_db_that_returns() -> Session:
    return SessionLocal()  # handed over... and never closed


leaky = FastAPI()


@leaky.get("/ping-db")
def ping_db(db: Annotated[Session, Depends(get_db_that_returns)]) -> dict[str, int]:
    return {"answer": db.scalar(text("SELECT 1"))}


print("pool size:", engine.pool.size(), "| connections in use:", engine.pool.checkedout())

# %% [markdown]
# Now three requests, one after the other. Python's garbage collector would eventually find
# the abandoned sessions and hand their connections back, at a moment nobody chooses; the cell
# holds it off (`gc.disable()`), as a busy server effectively does: requests arrive faster than
# the collector happens to run.

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

# %% [markdown]
# The third request waited for a free connection and gave up. On a real server every later
# request fails the same way until something returns a connection. That something is the
# garbage collector: when it runs, SQLAlchemy quietly returns the abandoned connections. The
# leak is real, and so is the recovery; relying on it is relying on luck:

# %%
gc.collect()
after_collection = engine.pool.checkedout()
assert after_collection == 0
print("after gc.collect(), connections checked out:", after_collection)
engine.dispose()

# %% [markdown]
# > **PHP bridge.** Under PHP-FPM every request starts from a fresh state and everything is
# > thrown away at its end, so a forgotten connection dies with the request. A Python web server
# > is one long-lived process, so whatever a request forgets piles up. Laravel developers meet
# > the same bug when they move to **Octane**, where the app also stays in memory.
#
# ## The fix: `yield` inside `with`
#
# A dependency that `yield`s is a generator. FastAPI runs it up to the `yield`, hands the
# yielded value to the endpoint, and later resumes it to run the rest. A session is a context
# manager, so `with` closes it whatever happens (a `try/finally` says the same in more lines).
# Twenty requests through the same two-connection pool, garbage collector still off:

# %%
from collections.abc import Iterator

engine = small_pool_engine(scratch_dir() / "pool.db", size=2)
SessionLocal = sessionmaker(bind=engine)


def get_db() -> Iterator[Session]:
    with SessionLocal() as db:
        yield db


fixed = FastAPI()


@fixed.get("/ping-db")
def ping_fixed(db: Annotated[Session, Depends(get_db)]) -> dict[str, int]:
    return {"answer": db.scalar(text("SELECT 1"))}


# %%
gc.disable()
try:
    with TestClient(fixed) as client:
        statuses = {client.get("/ping-db").status_code for _ in range(20)}
    in_use = engine.pool.checkedout()
finally:
    gc.enable()
engine.dispose()
assert (statuses, in_use) == ({200}, 0)
print("20 requests through a pool of 2:", sorted(statuses), "| connections left in use:", in_use)

# %% [markdown]
# ## When does the code after `yield` run?
#
# "After the response is sent" is the usual one-line answer, and it is only one of three. To
# see the real order, a dependency and an endpoint note what they do in a list, `events`, and
# `timeline()` (from `docchat_lab.lesson`) wraps the app so that the moments the response
# starts and is sent are noted too. First the dependency, which records its setup, the
# exception passing through it (if any), and its teardown:

# %%
from fastapi import BackgroundTasks, HTTPException

from docchat_lab.lesson.timeline import timeline

events: list[str] = []


def resource() -> Iterator[str]:
    events.append("dependency: setup")
    try:
        yield "the resource"
    except Exception as exc:
        events.append(f"dependency: except sees {type(exc).__name__}")
        raise  # always re-raise (trap 1 below says why)
    finally:
        events.append("dependency: teardown")


ResourceDep = Annotated[str, Depends(resource)]
steps = FastAPI()

# %% [markdown]
# The ordinary case: the endpoint returns normally and queues a background task; the
# dependency has the default scope.


# %%
# erratum 3: default scope: teardown runs after the response is sent and after background tasks
@steps.get("/ok")
def ok(res: ResourceDep, tasks: BackgroundTasks) -> dict[str, bool]:
    events.append("endpoint")
    tasks.add_task(events.append, "background task")
    return {"ok": True}


default_order = timeline(steps, events, "GET", "/ok")
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
# background tasks.
#
# When the endpoint raises (an `HTTPException`, or a plain crash), the exception travels back
# **through the dependency** first: the `except` around the `yield` sees it. Then the teardown
# runs, and only then is the error response produced and sent.


# %%
# erratum 3: endpoint raises: the dependency sees the exception, tears down, then the error response
@steps.get("/missing")
def missing(res: ResourceDep) -> None:
    events.append("endpoint raises")
    raise HTTPException(status_code=404, detail="no such thing")


@steps.get("/crash")
def crash(res: ResourceDep) -> None:
    events.append("endpoint raises")
    raise RuntimeError("bug")


for path, status, name in [("/missing", 404, "HTTPException"), ("/crash", 500, "RuntimeError")]:
    order = timeline(steps, events, "GET", path)
    assert order == [
        *("dependency: setup", "endpoint raises", f"dependency: except sees {name}"),
        *("dependency: teardown", f"response {status} starts", "response sent"),
    ]
    print(f"{status}:", " -> ".join(order))

# %% [markdown]
# Third case: `Depends(dep, scope="function")` (FastAPI 0.121 and later) asks for a shorter
# life. The teardown then runs as soon as the endpoint has returned and its value has been
# serialised, **before** the response is sent and before the background tasks. The model
# below notes when it is serialised.


# %%
from pydantic import BaseModel, field_serializer


class Done(BaseModel):
    ok: bool

    @field_serializer("ok")
    def note_serialisation(self, value: bool) -> bool:
        events.append("return value serialised")
        return value


@steps.get("/function-scope")
def function_scope(
    res: Annotated[str, Depends(resource, scope="function")], tasks: BackgroundTasks
) -> Done:
    events.append("endpoint")
    tasks.add_task(events.append, "background task")
    return Done(ok=True)


# %%
# erratum 3: with scope="function" the teardown runs after the endpoint, before the response
function_order = timeline(steps, events, "GET", "/function-scope")
assert function_order[2:5] == [
    "return value serialised",
    "dependency: teardown",
    "response 200 starts",
]
assert function_order[-1] == "background task"
print(" -> ".join(function_order))

# %% [markdown]
# | how the request ends | order |
# |---|---|
# | normal return, default scope | endpoint → response sent → background tasks → **teardown** |
# | endpoint raises (404 or crash) | endpoint → `except` in the dependency → **teardown** → error |
# | normal return, `scope="function"` | endpoint → **teardown** → response sent → background tasks |
#
# > **PHP bridge.** The default scope behaves like Laravel's *terminable middleware*: its
# > `terminate()` runs after the response has gone to the browser (Symfony's `kernel.terminate`).
# > The right place for cleanup; the wrong place for anything the client needs to hear about.
#
# > **Interview probe.** *"In a dependency with `yield`, when does the code after `yield` run?"*
# > Default scope: after the response has been sent, and after background tasks. If the
# > endpoint raised: the exception passes through the dependency, the cleanup runs, then the
# > error response goes out. With `scope="function"`: right after the endpoint, before the
# > response. In every case it runs, which is the point.
#
# ## Trap 1: an `except` around `yield` must re-raise
#
# It is tempting to write `except Exception: log(...)` and stop there, "to be safe". But an
# `HTTPException` is an exception too: it passes through the dependency on its way to becoming
# a 404. If the dependency swallows it, FastAPI is left with no response at all.

# %%
logged: list[str] = []


def swallowing_resource() -> Iterator[str]:
    try:
        yield "the resource"
    except Exception as exc:
        logged.append(type(exc).__name__)  # "log it and carry on": the exception stops here


trap = FastAPI()


@trap.get("/swallowed")
def swallowed(res: Annotated[str, Depends(swallowing_resource)]) -> None:
    raise HTTPException(status_code=404, detail="no such document")


@trap.get("/reraised")
def reraised(res: ResourceDep) -> None:
    raise HTTPException(status_code=404, detail="no such document")


# %% [markdown]
# The same 404, through the dependency that swallows it and through the one that re-raises:

# %%
# erratum 4: an except around yield that swallows the exception turns even a 404 into a 500
with TestClient(trap, raise_server_exceptions=False) as client:
    swallowed_status = client.get("/swallowed").status_code
    reraised_response = client.get("/reraised")

with TestClient(trap) as client:  # raise_server_exceptions=True shows what the server logged
    try:
        client.get("/swallowed")
        server_error = ""
    except Exception as exc:
        server_error = f"{type(exc).__name__}: {exc}"

assert swallowed_status == 500
assert logged[-1] == "HTTPException", "the dependency saw the 404, and swallowed it"
assert (reraised_response.status_code, reraised_response.json()) == (
    404,
    {"detail": "no such document"},
)
assert server_error.startswith("FastAPIError: Response not awaited.")
assert "dependency with yield has a block with a bare except" in server_error
print("swallowed 404 ->", swallowed_status, "| re-raised 404 ->", reraised_response.status_code)
print("the server's error:", server_error.split(". ")[0])

# %% [markdown]
# Catch what you need to (to roll back, to log), then `raise`. If you only need cleanup, use
# `with` or `finally` and write no `except` at all: `with SessionLocal() as db: yield db` is
# already correct.
#
# ## Trap 2: committing after `yield` is too late
#
# With the default scope, the teardown runs after the client has its response. So a `get_db`
# that commits after `yield` tells the client "saved" **before** it knows whether the commit
# works. To show it, two tables on a fresh SQLite file (`Job` is for trap 3):

# %%
from sqlalchemy import String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from docchat_lab.lesson.pools import unpooled_engine


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


# %%
def fresh_database() -> sessionmaker[Session]:
    db_engine = unpooled_engine(scratch_dir() / "app.db")
    Base.metadata.create_all(db_engine)
    return sessionmaker(bind=db_engine)


def count_tags(sessions: sessionmaker[Session]) -> int:
    with sessions() as db:
        return db.scalar(select(func.count()).select_from(Tag))


# %% [markdown]
# The teardown below commits only once the client confirms it already holds the response. The
# app runs on a real server, `uvicorn` in a thread of this kernel; `post_then_confirm` is that
# client. The second request adds a duplicate of a unique name, so its commit fails.

# %%
import threading

late_sessions = fresh_database()
client_has_response, teardown_finished = threading.Event(), threading.Event()
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


# %%
# erratum 5: default scope: a commit after yield is too late, the client already has its 200
from docchat_lab.lesson.real_client import logged_lines, post_then_confirm
from docchat_lab.notebook import serve

server = serve(late, name="late-commit")
try:
    url = f"{server.url}/tags/python"
    answers = [post_then_confirm(url, client_has_response, teardown_finished) for _ in range(2)]
    server_log = logged_lines(server, count=1)  # the failed commit reaches uvicorn's log
finally:
    server.stop()

assert answers == [(200, {"saved": "python"}), (200, {"saved": "python"})]
assert teardown_notes == ["client already had the response: True"] * 2
assert count_tags(late_sessions) == 1, "the second 'saved' never reached the database"
assert server_log == ["Exception in ASGI application"]
print("client got:", answers)
print("rows in the table:", count_tags(late_sessions), "| the server's log:", server_log)

# %% [markdown]
# The client was told "saved" twice; the database holds one row; the only trace of the failure
# is a line in the server's log. (`TestClient` re-raises server errors by default, so a test
# would see this one: stricter than a real client, which is good, but it can hide that a real
# client is never told.)
#
# The fix: **commit inside the endpoint** (or in a service it calls), where a failure can still
# become the response, here a `409 Conflict`. That is what DocChat does. (A committing
# dependency with `scope="function"` also works: its commit then fails before the response
# exists, as a 500.)

# %%
# erratum 5: commit in the endpoint (or scope="function") and the client learns of the failure
from sqlalchemy.exc import IntegrityError

good_sessions = fresh_database()
honest = FastAPI()


def get_good_db() -> Iterator[Session]:
    with good_sessions() as db:
        yield db


@honest.post("/tags/{name}", status_code=201)
def create_tag(name: str, db: Annotated[Session, Depends(get_good_db)]) -> dict:
    db.add(Tag(name=name))
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise HTTPException(status_code=409, detail=f"tag {name!r} already exists") from None
    return {"saved": name}


with TestClient(honest) as client:
    first, duplicate = client.post("/tags/python"), client.post("/tags/python")
assert (first.status_code, duplicate.status_code) == (201, 409)
assert count_tags(good_sessions) == 1
print("commit in the endpoint:", first.status_code, "then", duplicate.status_code, duplicate.json())

# %% [markdown]
# ## Trap 3: background tasks get ids, not the request's session
#
# A background task runs after the response, so whatever it receives must still be valid then.
# With `scope="function"` the request's session is **already closed** when the task starts.
# Closing a session detaches the objects it loaded: a detached object still accepts changes in
# Python, but no session tracks it any more, so committing writes nothing, and nothing complains.

# %%
job_sessions = fresh_database()
task_notes: list[str] = []


def get_job_db() -> Iterator[Session]:
    with job_sessions() as db:
        yield db


JobDbDep = Annotated[Session, Depends(get_job_db, scope="function")]


def finish_job_wrongly(job: Job, db: Session) -> None:
    job.status = "done"  # the object was detached when the session closed
    db.commit()  # nothing to write: this session no longer tracks the job
    task_notes.append(f"task finished without error; job.status in memory = {job.status!r}")


# %%
jobs = FastAPI()


@jobs.post("/jobs", status_code=202)
def start_job(db: JobDbDep, tasks: BackgroundTasks) -> dict:
    job = Job()
    db.add(job)
    db.commit()
    tasks.add_task(finish_job_wrongly, job, db)
    return {"id": job.id}


# %%
# erratum 6: scope="function": a task given the request's session and objects commits nothing
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
# Why no error? By default a closed SQLAlchemy 2 session can be used again: it quietly starts
# a new transaction. SQLAlchemy has a stricter setting, `close_resets_only=False`, under which
# a closed session refuses all further work; it is not the default:

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
    strict_error = ""
except InvalidRequestError as exc:
    strict_error = str(exc)

assert reused == 1
assert "permanently closed" in strict_error
print("closed session, default: the query works and counts", reused, "job")
print("closed session, close_resets_only=False:", strict_error)

# %% [markdown]
# The rule: give a background task **ids and a way to open its own session**, never the
# request's session or its ORM objects. The task loads fresh objects, in a session whose
# lifetime it controls:


# %%
def finish_job(job_id: int, sessions: sessionmaker[Session]) -> None:
    with sessions() as db:
        db.get(Job, job_id).status = "done"
        db.commit()


@jobs.post("/v2/jobs", status_code=202)
def start_job_v2(db: JobDbDep, tasks: BackgroundTasks) -> dict:
    job = Job()
    db.add(job)
    db.commit()
    tasks.add_task(finish_job, job.id, job_sessions)
    return {"id": job.id}


with TestClient(jobs) as client:
    accepted = client.post("/v2/jobs")
with job_sessions() as db:
    stored = db.get(Job, accepted.json()["id"]).status
assert (accepted.status_code, stored) == (202, "done")
print("202 then the task's own session wrote:", repr(stored))

# %% [markdown]
# > **Interview probe.** *"Why shouldn't a background task use the request's database
# > session?"* Its lifetime belongs to the request: depending on the scope, it is closed before
# > the task runs (changes to its objects are silently lost) or kept open until every task has
# > finished. Pass the id, and let the task open its own session.
#
# ## Beyond databases: an HTTP client for one request
#
# The same shape fits any resource that one request opens and must give back. An HTTP client
# is the usual example, and it needs care: a client keeps a pool of connections, and a client
# that lives for one request takes its pool with it. Below, an "upstream" service (served
# inline) answers with the port each call came from, so we can count connections. A
# `yield` dependency opens an `httpx2.AsyncClient` per request, and the route calls upstream
# twice:

# %%
from collections.abc import AsyncIterator

import httpx2
from fastapi import Request

upstream = FastAPI()


@upstream.get("/whoami")
def whoami(request: Request) -> dict:
    return {"port": request.client.port}


upstream_server = serve(upstream, name="upstream")
opened: list[httpx2.AsyncClient] = []


async def get_upstream() -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=upstream_server.url) as client:
        opened.append(client)
        yield client


# %%
relay = FastAPI()


@relay.get("/relay")
async def call_twice(client: Annotated[httpx2.AsyncClient, Depends(get_upstream)]) -> dict:
    ports = [(await client.get("/whoami")).json()["port"] for _ in range(2)]
    return {"ports": ports, "open_in_route": not client.is_closed}


with TestClient(relay) as client:
    answers = [client.get("/relay").json() for _ in range(3)]
upstream_server.stop()

per_request = [len(set(a["ports"])) for a in answers]
across = len({port for a in answers for port in a["ports"]})
assert all(a["open_in_route"] for a in answers), "the route gets an open client"
assert len(opened) == 3, "one client per request"
assert all(c.is_closed for c in opened), "each closed by its dependency"
assert (per_request, across) == ([1, 1, 1], 3)
print(
    "clients opened:",
    len(opened),
    "| all closed after their request:",
    all(c.is_closed for c in opened),
)
print("connections used within each request:", per_request, "| across the 3 requests:", across)

# %% [markdown]
# Inside one request the client reuses its connection (two calls, one port); across requests
# nothing is reused: every request pays for a new connection (and, over HTTPS, a new TLS
# handshake). So a per-request client is right when the client really belongs to the request
# (credentials of the calling user, say). A client that every request can share belongs to
# the **app**: DocChat's LLM client is built once per app and closed when the app stops.
#
# ## Build step: your `get_db`
#
# DocChat's routes receive their session as `session: SessionDep`. In your
# `my_docchat/api/deps.py`, `SessionDep` is already declared, and so is where the sessions come
# from: each app keeps its own session factory (notebook 03 shows the app factory), and
# `get_session_factory` hands it over:

# %%
from docchat_lab.notebook import stage_source

stage_source("api/deps.py", "get_session_factory", 2)

# %%
from typing import get_args

from docchat_lab.notebook import your_module

deps = your_module("api.deps")
session_type, marker = get_args(deps.SessionDep)
assert session_type is Session
assert marker.dependency is deps.get_db
print("SessionDep = Annotated[Session, Depends(get_db)]")

# %% [markdown]
# Write `get_db` in the next cell (edit it, then run it: it writes the function into your file,
# never over changes you made in the editor) or in `my_docchat/api/deps.py` itself. Its
# docstring is the specification: one session per request, from `sessions`, closed whatever
# happens; exceptions pass through untouched; no commit (the routes commit, where a failure can
# still become the response). It is `async def`: opening a session connects to nothing, so it
# needs no thread.

# %% build="api/deps.py:get_db"

# %% [markdown]
# Then check it. The checks serve your `get_db` behind a few routes whose sessions note when
# they are opened and closed: a route that succeeds, one that answers 404, one that crashes,
# one that writes without committing, and one whose sub-dependencies ask for the session too.

# %%
from docchat_lab.notebook import check

check("02")

# %% [markdown]
# And try yours: each request gets its own session (numbered), the sub-dependencies share it,
# and the 404 passes through.

# %%
from docchat_lab.notebook import try_yours

try_yours(2)

# %% [markdown]
# ## Your turn
#
# Make every check above pass. In a terminal (File → New → Terminal): `docchat-lab watch 02`
# checks again each time you save, `docchat-lab progress` shows which stages pass, and
# `docchat-lab reset 02` puts stage 02 back to its stub (your version is kept in
# `.docchat-lab/history/`).
#
# **Extra practice** (optional, not part of your DocChat): `exercises/ex02_yield_dependencies.py`
# asks for a *transactional* dependency as well, one that commits before the response with
# `scope="function"` and turns a failed commit into a 409. Check it with `check("ex02")` in a
# cell, or `docchat-lab check ex02` in a terminal.
#
# ## Recap
#
# - `return SessionLocal()` never closes the session: its connection stays out of the pool until
#   the garbage collector happens to run; with a pool of 2, the third request times out.
# - `yield` inside `with SessionLocal() as db:` (or `try/finally`) always cleans up.
# - Teardown order: default scope → after the response **and** the background tasks; endpoint
#   raised → through the dependency, teardown, then the error response; `scope="function"` →
#   right after the endpoint, before the response.
# - An `except` around `yield` must re-raise, or even a 404 becomes a 500.
# - Don't commit after `yield` with the default scope: the client already has its 200. Commit
#   in the endpoint, where a failure can become a 409.
# - Background tasks get ids and a session factory, never the request's session or objects.
# - A per-request HTTP client is closed by its dependency, and reuses nothing across requests;
#   a client to share belongs to the app.
#
# ## Further reading
#
# - FastAPI: [Dependencies with yield](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/),
#   [Background tasks](https://fastapi.tiangolo.com/tutorial/background-tasks/),
#   [SQL (relational) databases](https://fastapi.tiangolo.com/tutorial/sql-databases/).
# - SQLAlchemy: [Session basics: opening and closing a session](https://docs.sqlalchemy.org/en/20/orm/session_basics.html#opening-and-closing-a-session),
#   [Connection pooling](https://docs.sqlalchemy.org/en/20/core/pooling.html),
#   [Session.close and close_resets_only](https://docs.sqlalchemy.org/en/20/orm/session_api.html#sqlalchemy.orm.Session.close).
# - Starlette: [Background tasks](https://www.starlette.io/background/).
# - HTTPX: [Clients: why use a client](https://www.python-httpx.org/advanced/clients/).
