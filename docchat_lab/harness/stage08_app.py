"""The DocChat that stage 08's tests are served: the reference, and copies with one bug each.

Each bug is a mistake a DocChat could really make, put at the edge of the reference app: the
request or the answer is changed on its way, and the copy records, as the judge's evidence,
that a request reached the place where it differs from the reference. It runs only in the app
process (docchat_lab/grading/app_server.py): a learner's process never holds this code, nor
learns which copy it talks to. Each test gets a new app: its own new database file.
"""

import asyncio
import base64
import ctypes
import hashlib
import json
import platform
import sys
import tempfile
import threading
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from docchat.core.config import Settings
from docchat.main import create_app
from docchat_lab.grading import app_server, asgi_driver

BUGS = {
    "skip_ignored": "GET /documents/ ignores skip: every page starts at the first document",
    "limit_unbounded": "GET /documents/ has no upper bound on limit (limit=101 answers 200)",
    "missing_is_null": "GET /documents/{id} answers 200 null for an unknown id",
    "post_answers_200": "POST /documents/ answers 200 instead of 202",
    "delete_does_nothing": "DELETE /documents/{id} answers 204 but keeps the document",
    "wrong_document": "GET /documents/{id} answers with the document stored before it",
    "ask_without_sources": "POST /chat/ask answers with no sources",
}
# The run of the learner's whole folder with their conftest: its apps are those of `Fixtures`.
FIXTURES = "fixtures"
MAX_LIMIT = 100
MAX_APPS, MAX_RUNNING = 400, 20
DEFAULT_DATABASE = "sqlite:///./docchat.db"  # create_app() with no settings: Settings' default
# Eight copies of DocChat share this process, each with its database threads, under the
# sandbox's address-space limit: at the default 8 MB of stack each, threads (and so
# requests) failed at random once enough were alive. 1 MB is plenty for DocChat's threads.
THREAD_STACK_BYTES = 1024 * 1024
# glibc gives threads malloc arenas of their own, each reserving 64 MB of address space, up to
# 8 per core: with the migrations run at each app's start-up, a new thread then hung in start().
MALLOC_ARENAS = 2
M_ARENA_MAX = -8  # mallopt's parameter, from glibc's malloc.h
Pairs = list[tuple[str, str]]


def _settings(database: Path) -> Settings:
    # One thread of each kind: every copy lives in one process, whose threads are limited.
    # A file, not "sqlite://": the one shared in-memory connection lets a background task's
    # rollback undo a DELETE that another thread has not committed yet.
    url = f"sqlite:///{database}"
    return Settings(_env_file=None, database_url=url, openai_api_key=None, threads=1)


class _Running:
    """One reference app with its lifespan started; stop() runs its shutdown (its threads end)."""

    def __init__(self, database: Path) -> None:
        self.app = create_app(_settings(database))
        self.state: dict[str, Any] = {}
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Future[Any] | None = None

    async def start(self) -> None:
        started = asyncio.Event()

        async def send(message: MutableMapping[str, Any]) -> None:
            if message["type"].startswith("lifespan.startup"):
                started.set()

        await self._inbox.put({"type": "lifespan.startup"})
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self.state}
        self._task = asyncio.ensure_future(self.app(scope, self._inbox.get, send))
        await started.wait()

    async def stop(self) -> None:
        if self._task is not None:
            await self._inbox.put({"type": "lifespan.shutdown"})
            await asyncio.wait_for(self._task, timeout=30)


def _number(query: Pairs, name: str) -> int | None:
    value = dict(query).get(name, "")
    return int(value) if value.isascii() and value.isdigit() else None


def _document_id(path: str) -> int | None:
    head, _, tail = path.rstrip("/").rpartition("/")
    return int(tail) if head == "/documents" and tail.isascii() and tail.isdigit() else None


class Served:
    """One copy as the app process serves it: an ASGI app in front of a fresh reference app."""

    def __init__(self, variant: str, folder: Path) -> None:
        if variant != "reference" and variant not in BUGS:
            raise ValueError(f"no variant {variant!r}")
        self.variant = variant
        self.folder = folder
        self.requests = 0
        self.resets = 0
        self.diverged = False
        self._running: _Running | None = None
        self._stale: list[_Running] = []

    def reset(self) -> None:
        """A new app for the next test, on a new empty database; the old one stops first."""
        self.resets += 1
        if self._running is not None:
            self._stale.append(self._running)
            self._running = None

    async def _current(self) -> _Running:
        # Emptying one app's tables would be cheaper, but reused rows showed stale documents.
        while self._stale:
            await self._stale.pop().stop()
        if self._running is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            # A name no other copy or run can have: runs may share the app process's folder.
            database = Path(tempfile.mkdtemp(prefix=f"{self.variant}-", dir=self.folder))
            self._running = _Running(database / "docchat.db")
            await self._running.start()
        return self._running

    def _bug(self, bug: str) -> bool:
        """Whether this copy has `bug`; if so, a request just reached it (the evidence)."""
        if self.variant != bug:
            return False
        self.diverged = True
        return True

    async def _call(
        self, method: str, path: str, query: Pairs, headers: Pairs, body: bytes
    ) -> asgi_driver.DrivenResponse:
        running = await self._current()
        target = f"{path}?{urlencode(query)}" if query else path
        response, _error = await asgi_driver.request(
            running.app, method, target, headers, body, running.state
        )
        return response

    async def _answer(
        self, method: str, path: str, query: Pairs, headers: Pairs, body: bytes
    ) -> tuple[int, Pairs, bytes]:
        document_id = _document_id(path)
        if method == "GET" and path.rstrip("/") == "/documents":
            skip, limit = _number(query, "skip"), _number(query, "limit")
            if skip and self._bug("skip_ignored"):
                query = [(k, v) for k, v in query if k != "skip"]
            if limit is not None and limit > MAX_LIMIT and self._bug("limit_unbounded"):
                query = [(k, v) for k, v in query if k != "limit"] + [("limit", str(MAX_LIMIT))]
        if method == "GET" and document_id and document_id > 1 and self._bug("wrong_document"):
            path = f"/documents/{document_id - 1}"
        if method == "DELETE" and document_id is not None and self.variant == "delete_does_nothing":
            found = await self._call("GET", path, [], headers, b"")
            if found.status == 200 and self._bug("delete_does_nothing"):
                return 204, [], b""
        response = await self._call(method, path, query, headers, body)
        status, content = response.status, bytes(response.body)
        headers_out = [(k, v) for k, v in response.headers if k.lower() != "content-length"]
        lookup = method == "GET" and document_id is not None
        if lookup and status == 404 and self._bug("missing_is_null"):
            status, content = 200, b"null"
        created = method == "POST" and path.rstrip("/") == "/documents" and status == 202
        if created and self._bug("post_answers_200"):
            status = 200
        if method == "POST" and path == "/chat/ask" and status == 200:
            answer = json.loads(content)
            if answer.get("sources") and self._bug("ask_without_sources"):
                content = json.dumps({**answer, "sources": []}).encode()
        return status, headers_out, content

    async def app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.requests += 1
        body = await asgi_driver.read_body(receive)
        query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        status, headers_out, content = await self._answer(
            scope["method"], scope["path"], query, headers, body
        )
        raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers_out]
        raw.append((b"content-length", str(len(content)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": content})

    def evidence(self) -> dict[str, Any]:
        return {"requests": self.requests, "tests": self.resets, "diverged": self.diverged}


class Fixtures:
    """The fixtures run: each app the learner's `create_app(settings)` builds is a reference app
    here, on the database `settings` name. What their fixtures do with those apps is evidence
    no learner's process can change: a request to an app never started (the lifespan, which
    creates the tables, runs only within `with TestClient(...)`), a database file two apps
    share, settings with a key or a database that is not SQLite."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder  # made at the first app: a name no other run can have
        self.root: Path | None = None
        self.databases: dict[int, Path] = {}
        self.running: dict[int, _Running] = {}
        self.problems = {"unstarted": 0, "shared": 0, "key": 0, "not_sqlite": 0}
        self.requests = 0

    async def app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Only the apps `create_app` built answer here."""
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})

    def reset(self) -> None:
        pass

    def _create(self, settings: Any) -> dict[str, Any]:
        fields = settings if isinstance(settings, dict) else {}
        url = str(fields.get("database_url") or DEFAULT_DATABASE)
        if fields.get("openai_api_key"):
            self.problems["key"] += 1
        if len(self.databases) >= MAX_APPS:
            return {"error": f"more than {MAX_APPS} apps"}
        if not url.startswith("sqlite://"):
            self.problems["not_sqlite"] += 1
            return {"error": "DocChat's tests run on SQLite: database_url starts with sqlite://"}
        if self.root is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.root = Path(tempfile.mkdtemp(prefix=f"{FIXTURES}-", dir=self.folder))
        if url == "sqlite://" or ":memory:" in url or "mode=memory" in url:
            folder = Path(tempfile.mkdtemp(prefix="app-", dir=self.root))
        else:  # a file: the same URL is the same database, as it would be on the learner's disk
            folder = self.root / f"file-{hashlib.sha256(url.encode()).hexdigest()[:16]}"
        database = folder / "docchat.db"
        if database in self.databases.values():
            self.problems["shared"] += 1
        folder.mkdir(parents=True, exist_ok=True)
        number = len(self.databases)
        self.databases[number] = database
        return {"app": number}

    async def control(self, message: dict[str, Any]) -> dict[str, Any]:
        op, number = message.get("op"), message.get("app")
        if op == "create":
            return self._create(message.get("settings"))
        if not isinstance(number, int) or number not in self.databases:
            return {"error": "no such app"}
        running = self.running.get(number)
        if op == "start" and running is None:
            if len(self.running) >= MAX_RUNNING:
                return {"error": f"more than {MAX_RUNNING} apps running at once"}
            running = self.running[number] = _Running(self.databases[number])
            await running.start()
            return {"ok": True}
        if op == "stop" and running is not None:
            await self.running.pop(number).stop()
            return {"ok": True}
        if op != "app-http":
            return {"error": f"cannot {op} this app"}
        self.requests += 1
        if running is None:
            self.problems["unstarted"] += 1
            text = b"this app was never started: its lifespan, which creates the tables, never ran"
            return {"status": 500, "headers": [], "body": base64.b64encode(text).decode()}
        return await app_server.answer(running.app, message, running.state)

    def evidence(self) -> dict[str, Any]:
        return {"requests": self.requests, "apps": len(self.databases), **self.problems}


def _few_malloc_arenas() -> None:
    if sys.platform == "linux" and platform.libc_ver()[0] == "glibc":
        ctypes.CDLL(None).mallopt(M_ARENA_MAX, MALLOC_ARENAS)


def serve(variant: str, folder: Path) -> Served | Fixtures:
    """A copy of DocChat for `variant`: each test's database is a new file in `folder`."""
    threading.stack_size(THREAD_STACK_BYTES)
    _few_malloc_arenas()
    return Fixtures(folder) if variant == FIXTURES else Served(variant, folder)


def warm_up() -> None:
    """Import and build DocChat once, before the fork: no request, no thread, nothing running.

    This process is forked for every run, and a fork copies a thread's locks but not the thread.
    """
    threading.stack_size(THREAD_STACK_BYTES)
    with tempfile.TemporaryDirectory(prefix="stage08-warm-") as folder:
        app = create_app(_settings(Path(folder) / "warm.db"))
        app.openapi()  # builds the models' validators and the schema, the slow part
        app.state.engine.dispose()
