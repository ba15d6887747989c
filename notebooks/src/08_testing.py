# %% [markdown]
# # 08 · Testing: TestClient, pytest, and an app built fresh for every test
#
# FastAPI's `TestClient` drives an app through real HTTP requests and responses without starting
# a server or opening a port: the request goes straight into the ASGI app, in the same process.
# Combined with pytest, an app factory and `dependency_overrides`, each test gets its own app with
# its own in-memory database and its own fake LLM, and the whole suite runs in seconds. This
# notebook shows the pieces, the traps that make tests pass for the wrong reason or fail for no
# visible one (a lifespan that never ran, an in-memory database that is empty in the thread that
# reads it). Then you write your DocChat's own tests.
#
# **After this notebook you can:**
# - say which HTTP library TestClient uses on these versions, and why that matters to your
#   dependencies;
# - make the lifespan run in a test, and replace `on_event` handlers with a lifespan;
# - build a fresh app per test and swap a dependency (the LLM) with `dependency_overrides`;
# - configure in-memory SQLite so that every thread sees the same database;
# - write pytest fixtures (with teardown) and parametrized tests;
# - write the fixtures and tests of your own DocChat, `my_docchat/tests/`: its stage 08.

# %%
# Warnings are errors here, as in the test suite: a deprecation fails the cell that causes it.
import warnings

warnings.simplefilter("error")
# ipykernel warns about its own shutdown code; that is the kernel's business, not the lesson's.
warnings.filterwarnings("default", module="ipykernel")

from docchat_lab.notebook import setup

setup(stage=8)

# %% [markdown]
# ## What TestClient is
#
# `fastapi.testclient.TestClient` is Starlette's test client, re-exported. It is an HTTP client
# whose transport, instead of a socket, calls your ASGI app directly, on an event loop it runs in
# a helper thread. Your test code stays synchronous (`client.get(...)`), the app runs exactly as
# it would under uvicorn, and an exception raised inside the app is re-raised in the test (unless
# you pass `raise_server_exceptions=False` and want to see the 500 instead).
#
# > **PHP bridge.** This is Laravel's `$this->getJson('/api/documents')->assertOk()` or Symfony's
# > `static::createClient()->request('GET', ...)`: the framework handles a request in-process, no
# > web server involved.

# %%
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient

tiny = FastAPI()


@tiny.get("/square/{n}")
def square(n: int) -> dict[str, int]:
    if n > 1000:
        raise HTTPException(422, "n is too large")
    return {"result": n * n}


@tiny.get("/crash")
def crash() -> None:
    raise RuntimeError("boom")


# %%
with TestClient(tiny) as client:
    ok = client.get("/square/12")
    bad = client.get("/square/twelve")
    try:
        client.get("/crash")
        reraised = False
    except RuntimeError:
        reraised = True

with TestClient(tiny, raise_server_exceptions=False) as client:
    as_500 = client.get("/crash")

print("GET /square/12     ->", ok.status_code, ok.json())
print("GET /square/twelve ->", bad.status_code, bad.json()["detail"][0]["type"])
print("a crash is re-raised in the test:", reraised, "| or, if you ask, a", as_500.status_code)
assert ok.json() == {"result": 144}
assert bad.status_code == 422
assert reraised
assert as_500.status_code == 500

# %% [markdown]
# ## Which HTTP library is underneath
#
# Starlette 1.x builds its TestClient on **`httpx2`**, the maintained continuation of `httpx`.
# If only the old `httpx` is installed, the test client still works but warns, at import time,
# with a `StarletteDeprecationWarning` asking you to install `httpx2`. That warning class derives
# from `UserWarning`, not `DeprecationWarning`, so it is shown by default; and in a project that
# turns warnings into errors (this one does), it turns every test module that imports
# `TestClient` into an import error. The lesson's `pip install pytest httpx` is therefore out of
# date: depend on `httpx2`.

# %%
# erratum 26: starlette 1.x's TestClient uses httpx2; with only httpx it warns
from importlib.metadata import requires

import starlette.testclient
from starlette.exceptions import StarletteDeprecationWarning

print("TestClient's HTTP library:", starlette.testclient.httpx.__name__)
assert starlette.testclient.httpx.__name__ == "httpx2"
assert TestClient is starlette.testclient.TestClient
assert issubclass(StarletteDeprecationWarning, UserWarning)
assert not issubclass(StarletteDeprecationWarning, DeprecationWarning)
assert any(line.startswith("httpx2") for line in requires("docchat-lab")), (
    "DocChat depends on httpx2"
)

# %% [markdown]
# To see the warning, the next cell starts a fresh Python with a one-line shim: putting `None` in
# `sys.modules["httpx2"]` makes `import httpx2` fail exactly as if it were not installed. Starlette
# then falls back to `httpx` and warns. The second run uses `-W error`, as a strict test suite does.

# %%
import subprocess
import sys

WITHOUT_HTTPX2 = """
import sys
sys.modules["httpx2"] = None  # the shim: `import httpx2` now fails as if it were not installed
from fastapi.testclient import TestClient
import starlette.testclient
print("TestClient's HTTP library:", starlette.testclient.httpx.__name__)
"""


def python(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=60, check=False
    )


# %%
# erratum 26: without httpx2, importing TestClient emits StarletteDeprecationWarning
default_run = python("-c", WITHOUT_HTTPX2)
strict_run = python("-W", "error", "-c", WITHOUT_HTTPX2)

warning_line = next(
    line for line in default_run.stderr.splitlines() if "StarletteDeprecationWarning" in line
)
print(default_run.stdout.strip())
print(warning_line[warning_line.index("StarletteDeprecationWarning") :])
print("with -W error, the import itself fails:", strict_run.returncode != 0)
assert default_run.returncode == 0
assert "library: httpx\n" in default_run.stdout
assert "install `httpx2` instead" in warning_line
assert strict_run.returncode != 0
assert "StarletteDeprecationWarning" in strict_run.stderr.splitlines()[-1]

# %% [markdown]
# ## `with TestClient(app)`: the lifespan only runs inside `with`
#
# Start-up and shutdown code (create tables, open an HTTP client, load a model) belongs in a
# **lifespan**. `TestClient` runs it when you *enter* `with TestClient(app) as client:` and runs the
# shutdown half when the block ends. Built without `with`, as in the lesson's
# `client = TestClient(create_app())`, it still answers requests, but the lifespan never runs.

# %%
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

events: list[str] = []


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    events.append("startup")
    app.state.greeting = "hello"
    yield
    events.append("shutdown")


def make_app() -> FastAPI:
    app = FastAPI(lifespan=lifespan)

    @app.get("/")
    def index() -> dict[str, bool]:
        return {"started": hasattr(app.state, "greeting")}

    return app


# %%
# erratum 27: only `with TestClient(app)` runs the lifespan
events.clear()
no_with = TestClient(make_app())
body_without = no_with.get("/").json()
events_without = list(events)

events.clear()
with TestClient(make_app()) as client:
    body_with = client.get("/").json()
    events_inside = list(events)
events_after = list(events)

print("without `with`:", body_without, "lifespan events:", events_without)
print("with `with`:   ", body_with, "inside:", events_inside, "after:", events_after)
assert body_without == {"started": False}
assert events_without == []
assert body_with == {"started": True}
assert events_inside == ["startup"]
assert events_after == ["startup", "shutdown"]

# %% [markdown]
# The same trap with DocChat is worse than a missing greeting: its lifespan creates the tables and
# the LLM client. Without `with`, listing documents looks like a **database outage** (503) and
# asking a question crashes. DocChat's readiness probe knows whether start-up ran, so at least it
# says so honestly (503, "the app has not started") instead of "ready":

# %%
from docchat.core.config import Settings
from docchat.main import create_app


def test_settings(**overrides: object) -> Settings:
    """Settings from arguments only: no .env; database in memory; no API key (offline answers)."""
    values = {"database_url": "sqlite://", "openai_api_key": None} | overrides
    return Settings(_env_file=None, **values)


# %%
# erratum 27: DocChat without `with`: no tables, no LLM client
lesson_style = TestClient(create_app(test_settings()))  # no `with`
listing = lesson_style.get("/documents/")
ready = lesson_style.get("/health/ready")
try:
    lesson_style.post("/chat/ask", json={"question": "anything?"})
    ask_crashed = False
except AttributeError:  # app.state.llm was never set
    ask_crashed = True

with TestClient(create_app(test_settings())) as client:
    proper = client.get("/documents/")

print("no `with`: GET /documents/ ->", listing.status_code, listing.json()["detail"])
print(
    "no `with`: GET /health/ready ->", ready.status_code, "| POST /chat/ask crashed:", ask_crashed
)
print("`with`:    GET /documents/ ->", proper.status_code, proper.json())
assert listing.status_code == 503
assert ready.status_code == 503
assert ready.json() == {"detail": "the app has not started"}
assert ask_crashed
assert proper.status_code == 200
assert proper.json() == []

# %% [markdown]
# ### `on_event` is gone from Starlette and deprecated in FastAPI
#
# Older tutorials register start-up code with `@app.on_event("startup")`. On these versions:
#
# - **Starlette 1.x** has no `on_event` at all, and `Starlette(on_startup=...)` is a `TypeError`.
# - **FastAPI** still has `on_event`, but calling it emits a `DeprecationWarning`. Warnings are
#   errors in this notebook, so the cell below has to catch it explicitly, with `pytest.warns`.
# - When the app also has `lifespan=`, FastAPI **silently skips** the `on_event` handlers: no
#   error, no second warning; your start-up code just never runs.

# %%
# erratum 27: starlette 1.x has no on_event
from starlette.applications import Starlette
from starlette.routing import Router

print("Starlette.on_event exists:", hasattr(Starlette, "on_event"))
print("Router.on_event exists:   ", hasattr(Router, "on_event"))
try:
    Starlette(on_startup=[lambda: None])
    accepted = True
except TypeError:
    accepted = False
print("Starlette(on_startup=...) accepted:", accepted)
assert not hasattr(Starlette, "on_event")
assert not hasattr(Router, "on_event")
assert accepted is False

# %%
# erratum 27: FastAPI's on_event is deprecated, and still runs when it is alone
import pytest

calls: list[str] = []

old_style = FastAPI()
with pytest.warns(DeprecationWarning, match="on_event is deprecated"):

    @old_style.on_event("startup")
    def old_startup() -> None:
        calls.append("on_event handler")


calls.clear()
with TestClient(old_style):
    pass
alone = list(calls)
assert alone == ["on_event handler"]
print("on_event alone (deprecated, but runs):", alone)


# %%
# erratum 27: with lifespan= set, an on_event handler is skipped, silently
@asynccontextmanager
async def recording_lifespan(app: FastAPI) -> AsyncIterator[None]:
    calls.append("lifespan")
    yield


mixed = FastAPI(lifespan=recording_lifespan)
with pytest.warns(DeprecationWarning, match="on_event is deprecated"):

    @mixed.on_event("startup")
    def skipped_startup() -> None:
        calls.append("on_event handler")


calls.clear()
with TestClient(mixed):
    pass
together = list(calls)

print("on_event plus lifespan=:", together)
assert together == ["lifespan"]  # the on_event handler never ran, and nothing said so

# %% [markdown]
# > **Interview probe.** *"Your start-up hook works locally but never runs in the tests."* Either
# > the tests build `TestClient(app)` without `with`, or the hook is an `on_event` handler on an
# > app that also has a `lifespan`. Move the code into the lifespan and enter the client with
# > `with`.
#
# ## A fresh app for every test
#
# The lesson creates one client at module level and shares it between tests. Every test then sees
# what the previous ones left behind, so a test passes or fails depending on the order the tests
# run in. An app factory fixes that at the root: each test calls `create_app(...)` and gets new
# settings, a new engine and an empty database. The two "tests" below are plain functions,
# run in the order pytest might pick:

# %%
from contextlib import nullcontext


def test_create_document(client: TestClient) -> None:
    response = client.post(
        "/documents/", json={"title": "Kettles", "content": "Kettles boil water."}
    )
    assert response.status_code == 202


def test_list_starts_empty(client: TestClient) -> None:
    assert client.get("/documents/").json() == []


# %%
def run_tests(client_for_a_test) -> dict[str, str]:
    outcome = {}
    for test in (test_create_document, test_list_starts_empty):
        with client_for_a_test() as client:
            try:
                test(client)
                outcome[test.__name__] = "passed"
            except AssertionError:
                outcome[test.__name__] = "FAILED"
    return outcome


with TestClient(create_app(test_settings())) as module_client:  # one app for the whole module
    shared = run_tests(lambda: nullcontext(module_client))
fresh = run_tests(lambda: TestClient(create_app(test_settings())))  # one app per test

print("one shared app:  ", shared)
print("a fresh app each:", fresh)
assert shared == {"test_create_document": "passed", "test_list_starts_empty": "FAILED"}
assert fresh == {"test_create_document": "passed", "test_list_starts_empty": "passed"}

# %% [markdown]
# ## Swapping a dependency: `dependency_overrides`
#
# `app.dependency_overrides[original] = replacement` makes every `Depends(original)` in that app
# receive the replacement's result instead. The key is the function object itself. DocChat's
# routes get the LLM client through `get_llm`, so a test can give them a fake that answers
# instantly, never touches the network, and records what it was asked:

# %%
from collections.abc import Sequence

from docchat.api.deps import get_llm
from docchat.services.search_index import Hit


class FakeLLM:
    def __init__(self) -> None:
        self.questions: list[str] = []

    async def answer(self, question: str, passages: Sequence[Hit]) -> str:
        self.questions.append(question)
        return f"fake answer from {len(passages)} passage(s)"

    async def aclose(self) -> None:
        return None


# %%
fake = FakeLLM()
app = create_app(test_settings())
app.dependency_overrides[get_llm] = lambda: fake
try:
    with TestClient(app) as client:
        client.post(
            "/documents/", json={"title": "Tea", "content": "Green tea needs 80 degree water."}
        )
        answer = client.post("/chat/ask", json={"question": "How hot for green tea?"}).json()
finally:
    app.dependency_overrides.clear()

print("answer:", answer["answer"], "| cited:", [s["title"] for s in answer["sources"]])
print("the fake was asked:", fake.questions)
assert answer["answer"] == "fake answer from 1 passage(s)"
assert fake.questions == ["How hot for green tea?"]

# %% [markdown]
# The upload above returned 202 and the question found the passage straight away: TestClient
# waits for background tasks before it hands back the response, so in a test the document is
# already indexed. (Under a real server you poll; notebook 06 and the capstone do.)
#
# > **PHP bridge.** `dependency_overrides` is Laravel's `$this->app->instance(LlmClient::class,
# > $fake)` or `$this->mock(...)`, and Symfony's `static::getContainer()->set(...)`: the container
# > hands your fake to everything that asks for the real thing.
#
# ## In-memory SQLite in tests
#
# `sqlite://` (or `sqlite:///:memory:`) is a database that lives inside **one connection**: a
# second connection opens a second, empty database. That collides with how a test runs:
# `create_all` runs in one thread, and FastAPI runs each `def` endpoint (and its `yield`
# dependencies) in a worker thread of the threadpool. Two settings make it work:
#
# - `poolclass=StaticPool`: the engine keeps exactly one connection and hands it to everybody.
#   SQLAlchemy's default for in-memory SQLite is `SingletonThreadPool`, one connection *per
#   thread*: the worker thread gets a fresh, empty database, hence "no such table".
# - `connect_args={"check_same_thread": False}`: Python's `sqlite3` refuses to use a connection
#   from a thread other than the one that opened it, and with one shared connection that is
#   exactly what happens.
#
# The cell below runs the same app on four engines. The one with only `StaticPool` fails in the
# worker thread, and SQLAlchemy also logs the failed cleanup; the cell keeps those log records in
# memory so they do not land on stderr. The failing setups also *leak* connections: `sqlite3`
# closes a connection only in the thread that opened it, so one opened or used in a worker thread
# that is gone can never be closed. Python 3.13 warns about each one when it is garbage-collected
# (`ResourceWarning: unclosed database`); the cell collects them on the spot and counts them.

# %%
import gc
import logging
import warnings
from typing import Annotated

from fastapi import Depends
from sqlalchemy import Engine, String, create_engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool


class NoteBase(DeclarativeBase):
    pass


class Note(NoteBase):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(100))


# %%
def notes_app(engine: Engine) -> FastAPI:
    NoteBase.metadata.create_all(engine)  # runs here, in the notebook's thread
    sessions = sessionmaker(bind=engine)

    def get_db():
        with sessions() as session:
            yield session

    app = FastAPI()

    @app.post("/notes")
    def add_note(text: str, db: Annotated[Session, Depends(get_db)]) -> list[str]:
        db.add(Note(text=text))  # runs in a worker thread
        db.commit()
        return list(db.scalars(select(Note.text)))

    return app


# %% [markdown]
# The machinery of the experiment: SQLAlchemy's log records are kept off stderr, and the
# connections nobody can close are counted.


# %%
class KeepRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


engines = {
    "defaults": {},
    "check_same_thread=False only": {"connect_args": {"check_same_thread": False}},
    "StaticPool only": {"poolclass": StaticPool},
    "StaticPool + check_same_thread=False": {
        "poolclass": StaticPool,
        "connect_args": {"check_same_thread": False},
    },
}


# %%
def run_on(engine: Engine) -> tuple[str, int, int]:
    """(what POST /notes gave, SQLAlchemy log records, connections that could not be closed)."""
    log, kept = logging.getLogger("sqlalchemy"), KeepRecords()
    log.addHandler(kept)
    log.propagate = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)  # counted below, never printed
        try:
            with TestClient(notes_app(engine)) as client:
                result = f"200 {client.post('/notes', params={'text': 'hi'}).json()}"
        except SQLAlchemyError as exc:
            result = f"{type(exc.orig).__name__}: {str(exc.orig).split('. ')[0]}"
        finally:
            engine.dispose()  # SQLAlchemy logs the connections it fails to close
            log.removeHandler(kept)
            log.propagate = True
        records = len(kept.records)
        kept.records.clear()  # their tracebacks hold the last references to the connections
        gc.collect()
    return result, records, sum("unclosed database" in str(w.message) for w in caught)


# %%
# erratum 9: in-memory SQLite needs StaticPool and check_same_thread=False, else "no such table"
results, logged, leaked = {}, 0, {}
for label, options in engines.items():
    results[label], records, leaked[label] = run_on(create_engine("sqlite://", **options))
    logged += records

for label, result in results.items():
    print(f"{label:<38} {result}")
print("SQLAlchemy log records kept off stderr:", logged > 0)
print("connections the working setup left open:", leaked["StaticPool + check_same_thread=False"])
assert leaked["StaticPool + check_same_thread=False"] == 0
if sys.version_info >= (3, 13):  # the first Python whose sqlite3 warns about them
    assert leaked["StaticPool only"] > 0
assert results["defaults"] == "OperationalError: no such table: notes"
assert results["check_same_thread=False only"] == "OperationalError: no such table: notes"
assert results["StaticPool only"].startswith(
    "ProgrammingError: SQLite objects created in a thread can only be used in that same thread"
)
assert results["StaticPool + check_same_thread=False"] == "200 ['hi']"

# %% [markdown]
# A SQLite **file** needs neither: every connection opens the same file, and for a file
# SQLAlchemy already passes `check_same_thread=False` itself, because its default pool for files
# hands connections from thread to thread. Only the in-memory URL is left to you:

# %%
from docchat_lab.notebook import sqlite_url

defaults = {}
for label, url in [("file", sqlite_url("plain")), ("in memory", "sqlite://")]:
    plain = create_engine(url)
    defaults[label] = (type(plain.pool).__name__, plain.dialect.create_connect_args(plain.url)[1])
    plain.dispose()
for label, (pool, connect_args) in defaults.items():
    print(f"{label:<10} default pool: {pool:<20} connect args: {connect_args}")
assert defaults["file"] == ("QueuePool", {"check_same_thread": False})
assert defaults["in memory"] == ("SingletonThreadPool", {"check_same_thread": True})

# %% [markdown]
# ## How DocChat builds the engine the tests need
#
# DocChat's tests (and this notebook) simply pass `database_url="sqlite://"`. `build_engine`, a
# part of your package that is given, recognises an in-memory SQLite URL and applies both
# settings; for a file it keeps SQLAlchemy's normal pool; for any other database it adds
# `pool_pre_ping`:

# %%
from docchat_lab.notebook import stage_source

stage_source("core/db.py", "build_engine", 8)

# %%
import threading

from sqlalchemy import text
from sqlalchemy.pool import QueuePool

from docchat.core.db import build_engine
from docchat_lab.notebook import sqlite_url

memory = build_engine("sqlite://")
on_disk = build_engine(sqlite_url("tests"))


# %%
# One connection for everybody, usable from any thread.
with memory.begin() as conn:
    conn.execute(text("CREATE TABLE t (x INTEGER)"))
    conn.execute(text("INSERT INTO t VALUES (42)"))
seen_in_thread = []


def read_in_another_thread() -> None:
    with memory.connect() as conn:
        seen_in_thread.append(conn.execute(text("SELECT x FROM t")).scalar())


worker = threading.Thread(target=read_in_another_thread)
worker.start()
worker.join()

print("sqlite://        ->", type(memory.pool).__name__)
print("sqlite:///file   ->", type(on_disk.pool).__name__)
print("another thread sees the same in-memory table:", seen_in_thread == [42])
assert isinstance(memory.pool, StaticPool)
assert isinstance(on_disk.pool, QueuePool)
assert seen_in_thread == [42]
memory.dispose()
on_disk.dispose()

# %% [markdown]
# And through the whole app: upload, background processing (in another session, from the
# threadpool), reading back, all on one in-memory database that exists only for this client:

# %%
with TestClient(create_app(test_settings())) as client:
    created = client.post(
        "/documents/",
        json={"title": "Kettles", "content": "A kettle boils water. Descale it monthly."},
    )
    document = client.get(f"/documents/{created.json()['id']}").json()
    listed = client.get("/documents/").json()

print(created.status_code, "->", document["status"], "| chunks:", document["chunk_count"])
print("documents in this app's database:", [d["title"] for d in listed])
assert created.status_code == 202
assert document["status"] == "ready"
assert [d["title"] for d in listed] == ["Kettles"]

# %% [markdown]
# ## pytest in a nutshell: fixtures and parametrize
#
# - A **fixture** is a function marked `@pytest.fixture` that a test asks for by naming it as a
#   parameter. With `yield`, the code before is setup and the code after is teardown, just like a
#   `yield` dependency in FastAPI. A fixture can ask for other fixtures; pytest builds the graph.
# - **`@pytest.mark.parametrize`** runs one test function once per row of arguments, each as a
#   separate test with its own id.
#
# The cell writes a small test file into a scratch folder and runs pytest on it in a subprocess.
# `PYTEST_DISABLE_PLUGIN_AUTOLOAD=1` keeps that run to the bare pytest, and the results are read
# from pytest's JUnit XML report, so only names and outcomes are printed, never timings.
#
# > **PHP bridge.** Fixtures replace PHPUnit's `setUp()`/`tearDown()` (and are chosen per test by
# > name, not per class); `parametrize` is a `@dataProvider`.

# %%
import os
import xml.etree.ElementTree as ET

from docchat_lab.notebook import scratch_dir

TEST_FILE = """
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

log = []

def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/square/{n}")
    def square(n: int) -> dict[str, int]:
        return {"result": n * n}

    return app

@pytest.fixture
def client():
    log.append("setup")
    with TestClient(create_app()) as test_client:  # a fresh app for every test
        yield test_client
    log.append("teardown")

@pytest.mark.parametrize(("n", "expected"), [(2, 4), (-3, 9), (0, 0)])
def test_square(client, n, expected):
    assert client.get(f"/square/{n}").json() == {"result": expected}

def test_square_rejects_text(client):
    assert client.get("/square/two").status_code == 422

def test_each_test_had_its_own_fixture():
    assert log == ["setup", "teardown"] * 4
"""


# %%
folder = scratch_dir()
(folder / "test_square.py").write_text(TEST_FILE, encoding="utf-8")
options = ["-q", "-p", "no:cacheprovider", "-W", "error", "--junitxml=report.xml"]
run = subprocess.run(
    [sys.executable, "-m", "pytest", *options, "test_square.py"],
    cwd=folder,
    env=os.environ | {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    capture_output=True,
    text=True,
    timeout=120,
)
report = ET.parse(folder / "report.xml")
outcomes = {
    case.get("name"): "failed" if case.find("failure") is not None else "passed"
    for case in report.iter("testcase")
}
for name, outcome in outcomes.items():
    print(f"{name:<36} {outcome}")
assert run.returncode == 0, run.stdout[-2000:]
assert list(outcomes) == [
    "test_square[2-4]",
    "test_square[-3-9]",
    "test_square[0-0]",
    "test_square_rejects_text",
    "test_each_test_had_its_own_fixture",
]

# %% [markdown]
# ## Build step: your DocChat's own tests
#
# Stage 08 is the tests of your package, in **`my_docchat/tests/`**: two fixtures in
# `conftest.py` and eight tests in `test_api.py`, all of them stubs that say what they must do.
# The fixtures first: `settings` gives one test its own settings (an in-memory database, no key,
# no `.env` read), and `client` builds a DocChat from them and enters it with `with`, so that the
# lifespan runs, and leaves it when the test is done.

# %% build="tests/conftest.py:settings,client"

# %% [markdown]
# Then the tests. Each asks for `client` and checks one promise of the API, as its docstring
# says. Write them in the two cells below, or in the file itself. They are tests: they must pass
# on a correct DocChat and fail on a broken one.

# %% build="tests/test_api.py:test_a_new_document_is_accepted_and_pending,test_a_document_can_be_read_back_by_its_id,test_an_unknown_id_is_a_json_404,test_pages_skip_and_limit"  # noqa: E501

# %% build="tests/test_api.py:test_a_page_out_of_bounds_is_a_422_that_names_the_parameter,test_a_deleted_document_is_gone,test_a_document_becomes_ready_and_answers_questions,test_an_empty_question_is_a_422"  # noqa: E501

# %% [markdown]
# Run them yourself in a terminal with `python -m pytest my_docchat/tests`. The check does
# more: it runs your tests on the reference DocChat, where they must pass, and then on copies of
# it with one bug each (an id off by one, a page that ignores `skip`, a 404 that answers
# `200 null`...), where the test about that promise must fail. It runs pytest a few times, so it
# takes a little while.

# %%
from docchat_lab.notebook import check

check("08")

# %% [markdown]
# ## Your turn
#
# Make every check above pass. In a terminal (File → New → Terminal): `docchat-lab watch 08`
# checks again each time you save, `docchat-lab progress` shows which stages pass, and
# `docchat-lab reset 08` puts stage 08 back to its stubs (your version is kept in
# `.docchat-lab/history/`).
#
# **Extra practice** (optional, not part of your DocChat): `exercises/ex08_testing.py` asks for
# tests of a small app, graded by the bugs they catch. Check it with `check("ex08")` in a cell, or
# `docchat-lab check ex08` in a terminal.
#
# ## Recap
#
# - `TestClient` calls the app in-process through `httpx2` (install `httpx2`, not `httpx`, on
#   Starlette 1.x); exceptions in the app are re-raised in the test.
# - Only `with TestClient(app) as client:` runs the lifespan. Starlette 1.x has no `on_event`;
#   FastAPI's is deprecated and silently skipped when the app has a `lifespan`.
# - Build a fresh app per test with the factory; swap collaborators with `dependency_overrides`
#   (and clear them afterwards).
# - In-memory SQLite needs `StaticPool` **and** `check_same_thread=False`; without them a worker
#   thread sees an empty database ("no such table") or refuses the connection. DocChat's
#   `build_engine` applies both for `sqlite://`.
# - pytest fixtures are setup/teardown by name (with `yield`); `parametrize` turns one test into
#   several.
# - Your tests are good when they pass on a correct app **and** fail on a broken one: a test
#   that cannot fail proves nothing.
#
# ## Further reading
#
# - FastAPI: [Testing](https://fastapi.tiangolo.com/tutorial/testing/),
#   [Testing events: lifespan](https://fastapi.tiangolo.com/advanced/testing-events/),
#   [Testing dependencies with overrides](https://fastapi.tiangolo.com/advanced/testing-dependencies/),
#   [Lifespan events](https://fastapi.tiangolo.com/advanced/events/).
# - Starlette: [TestClient](https://www.starlette.io/testclient/).
# - SQLAlchemy: [Using a memory database in multiple threads](https://docs.sqlalchemy.org/en/20/dialects/sqlite.html#using-a-memory-database-in-multiple-threads).
# - pytest: [Fixtures](https://docs.pytest.org/en/stable/how-to/fixtures.html),
#   [Parametrizing tests](https://docs.pytest.org/en/stable/how-to/parametrize.html).
