"""Failure injection, on real sockets: DocChat under uvicorn when its neighbours fail.

- the language model upstream is slow, trickles, hangs up, fails, or is not there;
- the database disappears while requests are in flight;
- the server is killed (SIGKILL) while a background task is half-way through a document;
- 1,000 mixed requests, some failing on purpose, leave no database connection checked out.

No assertion here is about speed. Every client has a timeout far above what the app should
need, so a hung request fails the test instead of hanging it; where a timeout is the
behaviour under test, the test checks that the app did wait for it (a lower bound).
"""

import asyncio
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import httpx2 as httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from docchat.api.deps import get_llm
from docchat.core.config import Settings
from docchat.main import create_app
from docchat.models import Chunk, Document, DocumentStatus
from docchat.services.llm import LLMError, LLMTimeoutError
from docchat.services.search_index import Hit
from tests.e2e.conftest import file_settings, served
from tests.e2e.upstream import ANSWER, closed_port_url, fake_upstream

HANG_GUARD_S = 20.0  # no request in this file should come anywhere near this
LLM_TIMEOUT_S = 0.5


def _wait_until_settled(client: httpx.Client, document_id: int) -> dict:
    """Poll until the background task is done with the document (bounded)."""
    deadline = time.monotonic() + HANG_GUARD_S
    while time.monotonic() < deadline:
        body = client.get(f"/documents/{document_id}").json()
        if body["status"] in ("ready", "failed"):
            return body
        time.sleep(0.02)
    raise AssertionError(f"document {document_id} never settled: {body}")


def _add_ready_document(client: httpx.Client, content: str = "Kettles boil water fast.") -> int:
    created = client.post("/documents/", json={"title": "kettles", "content": content})
    assert created.status_code == 202, created.text
    assert _wait_until_settled(client, created.json()["id"])["status"] == "ready"
    return int(created.json()["id"])


# --- the language model upstream -----------------------------------------------------------


def _llm_settings(directory: Path, base_url: str) -> Settings:
    # A file database: served for real, requests and the background task run concurrently,
    # and the in-memory database's single shared connection is not safe for that.
    return file_settings(
        directory, openai_api_key="sk-test", openai_base_url=base_url, llm_timeout_s=LLM_TIMEOUT_S
    )


@pytest.mark.parametrize(
    ("behaviour", "status", "detail"),
    [
        ("answer", 200, None),
        ("silent", 504, "the language model did not answer in time"),
        # Each byte arrives within the per-read timeout; the whole answer never does in time.
        ("trickle", 504, "the language model did not answer in time"),
        ("hang-up", 502, "could not reach the language model (RemoteProtocolError)"),
        ("http-500", 502, "the language model answered HTTP 500"),
    ],
)
def test_llm_upstream_failure_is_a_clean_gateway_error(
    behaviour: str, status: int, detail: str | None, tmp_path: Path
) -> None:
    with fake_upstream(behaviour) as upstream:
        settings = _llm_settings(tmp_path, upstream.base_url)
        with (
            served(create_app(settings), f"llm-{behaviour}") as server,
            httpx.Client(base_url=server.url, timeout=HANG_GUARD_S) as client,
        ):
            _add_ready_document(client)
            start = time.perf_counter()
            response = client.post("/chat/ask", json={"question": "kettles"})
            elapsed = time.perf_counter() - start
        assert upstream.requests == 1  # the upstream was reached: this is not a connect error
    assert response.status_code == status, response.text
    if detail is None:
        assert response.json()["answer"] == ANSWER
    else:
        assert response.json() == {"detail": detail}
    if status == 504:
        assert elapsed >= LLM_TIMEOUT_S * 0.9  # it waited for the configured timeout


def test_llm_upstream_down_is_a_502(tmp_path: Path) -> None:
    settings = _llm_settings(tmp_path, closed_port_url())
    with (
        served(create_app(settings), "llm-down") as server,
        httpx.Client(base_url=server.url, timeout=HANG_GUARD_S) as client,
    ):
        _add_ready_document(client)
        response = client.post("/chat/ask", json={"question": "kettles"})
    assert response.status_code == 502, response.text
    assert response.json() == {"detail": "could not reach the language model (ConnectError)"}


class _PoolWatchingLLM:
    """Notes how many database connections are checked out while the model is awaited."""

    def __init__(self, app: FastAPI) -> None:
        self.pool = app.state.engine.pool
        self.checked_out: list[int] = []

    async def answer(self, question: str, passages: Sequence[Hit]) -> str:
        self.checked_out.append(self.pool.checkedout())
        return "fine"

    async def aclose(self) -> None:
        return None


def test_ask_holds_no_connection_while_the_model_answers(tmp_path: Path) -> None:
    # Held through a slow answer, the pool's 15 connections made 100 concurrent asks queue
    # in waves (bench/async_chat.py: 1.6 s instead of 0.4 s); retrieval now hands it back.
    app = create_app(file_settings(tmp_path))
    llm = _PoolWatchingLLM(app)
    app.dependency_overrides[get_llm] = lambda: llm
    with served(app, "pool-watch") as server, httpx.Client(base_url=server.url) as client:
        document_id = _add_ready_document(client)
        for body in (
            {"question": "kettles"},
            {"question": "kettles", "document_ids": [document_id]},
        ):
            assert client.post("/chat/ask", json=body).status_code == 200
    assert llm.checked_out == [0, 0]


# --- the database disappearing -------------------------------------------------------------


class _GatedLLM:
    """Holds every answer until the test opens the gate: requests stay in flight."""

    def __init__(self) -> None:
        self.gate = threading.Event()  # opened from the test's thread, not the server's loop
        self.waiting = 0

    async def answer(self, question: str, passages: Sequence[Hit]) -> str:
        self.waiting += 1
        while not self.gate.is_set():  # noqa: ASYNC110 (set from another thread and loop)
            await asyncio.sleep(0.01)
        return f"{len(passages)} passage(s)"

    async def aclose(self) -> None:
        return None


def _send_head_and_half_the_body(port: int, body: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=HANG_GUARD_S)
    head = (
        f"POST /documents/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    sock.sendall(head + body[: len(body) // 2])
    return sock


def _finish_and_read(sock: socket.socket, rest: bytes) -> tuple[int, dict]:
    sock.sendall(rest)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body)


def test_database_disappearing_mid_request_gives_503_and_hangs_nothing(tmp_path: Path) -> None:
    """What "disappearing" means here: the volume holding the SQLite file goes away while
    requests are in flight (the directory is removed). Connections the pool already holds
    keep the deleted file open, so readiness must look at the file itself; then the pool is
    dropped, as a database restart drops every connection, and each new connection fails.
    In flight at that moment: two asks waiting for the language model, and an upload whose
    body is half sent. Afterwards the volume comes back and the app is ready again."""
    volume = tmp_path / "volume"
    volume.mkdir()
    app = create_app(file_settings(volume))
    llm = _GatedLLM()
    app.dependency_overrides[get_llm] = lambda: llm
    with served(app, "db-vanish") as server:

        async def scenario() -> None:
            async with httpx.AsyncClient(base_url=server.url, timeout=HANG_GUARD_S) as client:
                await _vanish_mid_request(client, server.port or 0, app, llm, volume, tmp_path)

        asyncio.run(scenario())
    assert app.state.engine.pool.checkedout() == 0


async def _vanish_mid_request(
    client: httpx.AsyncClient,
    port: int,
    app: FastAPI,
    llm: "_GatedLLM",
    volume: Path,
    tmp_path: Path,
) -> None:
    document_id = await _add_ready_document_async(client)
    assert (await client.get("/health/ready")).status_code == 200
    backup = tmp_path / "backup.db"
    await asyncio.to_thread(_back_up, volume / "docchat.db", backup)

    asks = [
        asyncio.create_task(client.post("/chat/ask", json={"question": "kettles"}))
        for _ in range(2)
    ]
    body = json.dumps({"title": "late", "content": "Kettles whistle."}).encode()
    with _send_head_and_half_the_body(port, body) as upload:
        # Both asks past retrieval, awaiting the model (counted on the server's thread).
        while llm.waiting < 2:  # noqa: ASYNC110
            await asyncio.sleep(0.01)

        await asyncio.to_thread(shutil.rmtree, volume)
        ready = await client.get("/health/ready")
        assert ready.status_code == 503, ready.text
        assert ready.json() == {"detail": "database unavailable (the database file is gone)"}

        app.state.engine.dispose()
        status, reply = await asyncio.to_thread(_finish_and_read, upload, body[len(body) // 2 :])
    # Not a 202 into the deleted file: the document would be lost.
    assert (status, reply) == (503, {"detail": "database unavailable (the database file is gone)"})
    for path in ("/documents/", f"/documents/{document_id}"):
        response = await client.get(path)
        assert response.status_code == 503, (path, response.text)
    assert (await client.get("/health")).status_code == 200  # alive, not ready

    llm.gate.set()
    answers = await asyncio.gather(*asks)
    assert [a.status_code for a in answers] == [200, 200]  # their DB work was done

    await asyncio.to_thread(_restore, backup, volume)
    assert (await client.get("/health/ready")).status_code == 200
    titles = [d["title"] for d in (await client.get("/documents/")).json()]
    assert titles == ["kettles"]  # the half-sent upload stored nothing


def _back_up(database: Path, backup: Path) -> None:
    """A consistent copy of a live SQLite database, what its WAL holds included."""
    live, copy = sqlite3.connect(database), sqlite3.connect(backup)
    try:
        live.backup(copy)
    finally:
        live.close()
        copy.close()


def _restore(backup: Path, volume: Path) -> None:
    volume.mkdir()
    shutil.copy(backup, volume / "docchat.db")


async def _add_ready_document_async(client: httpx.AsyncClient) -> int:
    created = await client.post(
        "/documents/", json={"title": "kettles", "content": "Kettles boil."}
    )
    assert created.status_code == 202, created.text
    document_id = int(created.json()["id"])
    for _ in range(1000):
        if (await client.get(f"/documents/{document_id}")).json()["status"] == "ready":
            return document_id
        await asyncio.sleep(0.01)
    raise AssertionError("the document never became ready")


# --- a background task killed half-way ----------------------------------------------------


def _start_server(
    database_url: str, marker: Path, log: Path
) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **{k: v for k, v in os.environ.items() if not k.upper().startswith("DOCCHAT_")},
        "DOCCHAT_DATABASE_URL": database_url,
        "STALL_MARKER": str(marker),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "tests.e2e.stalling_app:create", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env=env, cwd=marker.parent, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    return process, port


def _stalled_tasks(marker: Path) -> int:
    return len(marker.read_text().split()) if marker.exists() else 0


def test_background_task_killed_half_way_is_recovered_at_next_start(tmp_path: Path) -> None:
    """The server (uvicorn, in a subprocess) accepts two documents and starts processing
    them; the processing stalls half-way (chunked, not yet stored), and the server is killed
    with SIGKILL. A third document is left `pending`, as a crash between the commit and the
    task would leave it. The next start-up finishes all three before the first request."""
    settings = file_settings(tmp_path)
    marker = tmp_path / "stalled"
    log = tmp_path / "server.log"
    process, port = _start_server(settings.database_url, marker, log)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=HANG_GUARD_S) as client:
            deadline = time.monotonic() + HANG_GUARD_S
            while True:
                try:
                    client.get("/health")
                    break
                except httpx.TransportError:
                    assert process.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.05)
            ids = [
                client.post(
                    "/documents/", json={"title": f"doc {n}", "content": f"Kettles boil {word}."}
                ).json()["id"]
                for n, word in enumerate(("alpha", "bravo"))
            ]
            while _stalled_tasks(marker) < 2:
                assert time.monotonic() < deadline, "the processing never reached the stall"
                time.sleep(0.02)
            statuses = {client.get(f"/documents/{i}").json()["status"] for i in ids}
            assert statuses == {"processing"}
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=HANG_GUARD_S)

    app = create_app(settings)
    with app.state.sessions() as session:
        session.add(Document(title="doc 2", content="Kettles boil charlie."))  # left pending
        session.commit()
        before = {d.title: d.status for d in session.scalars(select(Document))}
        assert session.scalar(select(func.count()).select_from(Chunk)) == 0  # nothing half-stored
    assert before == {
        "doc 0": DocumentStatus.PROCESSING,
        "doc 1": DocumentStatus.PROCESSING,
        "doc 2": DocumentStatus.PENDING,
    }

    with served(app, "recovered") as server, httpx.Client(base_url=server.url) as client:
        documents = client.get("/documents/").json()  # the first request: recovery is done
        assert [(d["title"], d["status"], d["chunk_count"]) for d in documents] == [
            ("doc 0", "ready", 1),
            ("doc 1", "ready", 1),
            ("doc 2", "ready", 1),
        ]
        answer = client.post("/chat/ask", json={"question": "bravo"}).json()
        assert [source["title"] for source in answer["sources"]] == ["doc 1"]


# --- connections never leak ----------------------------------------------------------------


class _MoodyLLM:
    """Answers, fails (502), times out (504), crashes (500) or takes its time, by question."""

    def __init__(self) -> None:
        self.slow_started = 0
        self.slow_answers = 0

    async def answer(self, question: str, passages: Sequence[Hit]) -> str:
        if "fail" in question:
            raise LLMError("upstream down")
        if "timeout" in question:
            raise LLMTimeoutError("too slow")
        if "crash" in question:
            raise RuntimeError("a bug in the client")
        if "slow" in question:
            self.slow_started += 1
            await asyncio.sleep(1.0)
            self.slow_answers += 1
        return "fine"

    async def aclose(self) -> None:
        return None


Call = tuple[str, str, dict, int | str]  # method, path, httpx options, expected outcome
_MIXED: list[Call] = [
    ("GET", "/documents/", {}, 200),
    ("GET", "/documents/?skip=-1", {}, 422),
    ("GET", "/documents/999999", {}, 404),
    ("GET", "/documents/not-a-number", {}, 404),
    ("POST", "/documents/", {"json": {"title": "new", "content": "Kettles sing."}}, 202),
    ("POST", "/documents/", {"json": {"title": "", "content": "x"}}, 422),
    ("POST", "/documents/", {"json": {"title": "big", "content": "x" * 5000}}, 413),
    ("POST", "/documents/upload", {"files": {"file": ("a.pdf", b"%PDF", "application/pdf")}}, 415),
    ("POST", "/chat/ask", {"json": {"question": "kettles"}}, 200),
    ("POST", "/chat/ask", {"json": {"question": "kettles", "document_ids": [999999]}}, 404),
    ("POST", "/chat/ask", {"json": {"question": "kettles fail"}}, 502),
    ("POST", "/chat/ask", {"json": {"question": "kettles timeout"}}, 504),
    # After an unhandled error uvicorn closes the connection without saying so in the reply;
    # "Connection: close" keeps the client from sending the next request down it.
    (
        "POST",
        "/chat/ask",
        {"json": {"question": "kettles crash"}, "headers": {"Connection": "close"}},
        500,
    ),
    ("GET", "/health/ready", {}, 200),
]
GIVE_UPS = 20  # clients that disconnect while the model is still thinking


def _first_wave(read_ids: list[int], delete_ids: list[int]) -> list[Call]:
    calls = [_MIXED[n % len(_MIXED)] for n in range(970 - len(delete_ids) - 2 * len(read_ids))]
    calls += [("GET", f"/documents/{i}", {}, 200) for i in read_ids]
    calls += [("GET", f"/documents/{i}/chunks", {}, 200) for i in read_ids]
    return calls + [("DELETE", f"/documents/{i}", {}, 204) for i in delete_ids]


def _second_wave(delete_ids: list[int]) -> list[Call]:
    calls: list[Call] = [("GET", f"/documents/{i}", {}, 404) for i in delete_ids]
    slow = {"json": {"question": "kettles slow"}, "timeout": 0.5}
    return calls + [("POST", "/chat/ask", slow, "gave up")] * GIVE_UPS


async def _send_all(base_url: str, calls: list[Call]) -> list[int | str]:
    """Every call, 16 at a time; the outcome is the status, or "gave up" on a client timeout."""
    limit = asyncio.Semaphore(16)

    async def send(client: httpx.AsyncClient, call: Call) -> int | str:
        method, path, options, _ = call
        async with limit:
            try:
                return (await client.request(method, path, **options)).status_code
            except httpx.TimeoutException:
                return "gave up"

    async with httpx.AsyncClient(base_url=base_url, timeout=HANG_GUARD_S) as client:
        return list(await asyncio.gather(*(send(client, call) for call in calls)))


@pytest.mark.slow
def test_a_thousand_mixed_requests_leave_no_connection_checked_out(tmp_path: Path) -> None:
    app = create_app(file_settings(tmp_path, max_upload_bytes=2000))
    llm = _MoodyLLM()
    app.dependency_overrides[get_llm] = lambda: llm
    pool = app.state.engine.pool
    with (
        served(app, "mixed") as server,
        httpx.Client(base_url=server.url, timeout=HANG_GUARD_S) as setup,
    ):
        read_ids = [_add_ready_document(setup, f"Kettles boil, part {n}.") for n in range(3)]
        delete_ids = [_add_ready_document(setup, f"Kettles to delete {n}.") for n in range(10)]
        first, second = _first_wave(read_ids, delete_ids), _second_wave(delete_ids)
        assert len(first) + len(second) == 1000
        outcomes = asyncio.run(_send_all(server.url, first))
        outcomes += asyncio.run(_send_all(server.url, second))

        # The server goes on with what the clients gave up on, and with the background
        # processing of every accepted document: wait for both (bounded), then count.
        deadline = time.monotonic() + HANG_GUARD_S
        # On a busy machine a client may give up before its request even reaches the model;
        # every one that did reach it must still be answered.
        while (
            llm.slow_answers < llm.slow_started or _unfinished(app)
        ) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert 0 < llm.slow_started <= GIVE_UPS
        assert llm.slow_answers == llm.slow_started
        assert _unfinished(app) == 0
        # A request's session closes after its response is sent: give the last ones a moment;
        # a leaked connection would never come back.
        while pool.checkedout() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pool.checkedout() == 0
        assert pool is app.state.engine.pool

    assert outcomes == [outcome for *_, outcome in first + second]


def _unfinished(app: object) -> int:
    with app.state.sessions() as session:  # type: ignore[attr-defined]
        return int(
            session.scalar(
                select(func.count())
                .select_from(Document)
                .where(Document.status.in_([DocumentStatus.PENDING, DocumentStatus.PROCESSING]))
            )
            or 0
        )
