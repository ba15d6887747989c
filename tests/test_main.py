"""The app factory: CORS, the timing middleware, lifespan (start-up recovery), error handlers."""

import os
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace

import pytest
from anyio import to_thread
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

import docchat.api.timing as timing
from docchat.api.deps import get_llm, get_session_factory
from docchat.core.capacity import capacity_for
from docchat.core.db import build_engine, build_session_factory, init_db
from docchat.core.db_executor import EXECUTORS
from docchat.main import create_app
from docchat.models import Document, DocumentStatus
from docchat.services.llm import LLMError, OfflineAnswerer, OpenAIChatClient
from docchat.services.search_index import Hit
from tests.docchat_testkit import create_document, document_count, make_settings

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = "http://localhost:3000"
KETTLE = "Descale the kettle every month. Limescale slows the heating element."


def _file_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'docchat.db'}"


def test_importing_main_builds_no_app_and_reads_no_environment() -> None:
    # A wrong value in the environment must not break `import docchat.main`: only building
    # an app (the factory, as `docchat serve` and `uvicorn --factory` do) reads settings.
    code = (
        "import docchat.main as m; "
        "assert not hasattr(m, 'app'); "
        "from docchat.core.config import get_settings; "
        "assert get_settings.cache_info().currsize == 0; print('ok')"
    )
    env = {**os.environ, "DOCCHAT_CHUNK_SIZE": "not a number", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_create_app_without_settings_reads_the_environment(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCCHAT_DATABASE_URL", "sqlite://")
    monkeypatch.setenv("DOCCHAT_CHUNK_SIZE", "321")

    app = create_app()

    assert app.state.settings.chunk_size == 321


def test_each_app_gets_its_own_database(make_client: Callable[..., TestClient]) -> None:
    first, second = make_client(), make_client()
    create_document(first, "Kettle", KETTLE)

    assert len(first.get("/documents/").json()) == 1
    assert second.get("/documents/").json() == []


# --- CORS ----------------------------------------------------------------------------------------


def test_cors_allowed_origin_gets_the_headers(client: TestClient) -> None:
    response = client.get("/health", headers={"Origin": ALLOWED})

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "x-process-time-ms" in response.headers["access-control-expose-headers"].lower()


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "http://127.0.0.1:3000", "http://localhost:3001", "http://l"],
)
def test_cors_disallowed_origin_gets_no_header_but_the_endpoint_still_runs(
    client: TestClient, app: FastAPI, origin: str
) -> None:
    response = client.post(
        "/documents/", json={"title": "Kettle", "content": KETTLE}, headers={"Origin": origin}
    )

    assert response.status_code == 202  # CORS protects the browser's user, not the server
    assert "access-control-allow-origin" not in response.headers
    assert document_count(app) == 1


def test_cors_preflight_from_allowed_origin_returns_200(client: TestClient) -> None:
    response = client.options(
        "/documents/",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"].lower()


def test_cors_preflight_from_disallowed_origin_returns_400(client: TestClient) -> None:
    response = client.options(
        "/documents/",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )

    assert response.status_code == 400
    assert response.text == "Disallowed CORS origin"
    assert "access-control-allow-origin" not in response.headers


def test_cors_origins_come_from_settings(make_client: Callable[..., TestClient]) -> None:
    client = make_client(cors_origins=["https://app.example.com"], cors_allow_credentials=False)

    allowed = client.get("/health", headers={"Origin": "https://app.example.com"})
    default = client.get("/health", headers={"Origin": ALLOWED})

    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "access-control-allow-credentials" not in allowed.headers
    assert "access-control-allow-origin" not in default.headers


# --- the timing middleware -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/health"), ("GET", "/documents/999"), ("GET", "/documents/x")]
)
def test_every_response_reports_its_time_in_milliseconds(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path)

    assert re.fullmatch(r"\d+\.\d\d", response.headers["x-process-time-ms"])


def test_process_time_is_milliseconds_not_seconds(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = iter([10.0, 10.25])  # a quarter of a second between start and headers
    monkeypatch.setattr(timing, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))

    response = client.get("/health")

    assert response.headers["x-process-time-ms"] == "250.00"


# --- lifespan ------------------------------------------------------------------------------------


def test_lifespan_creates_the_schema_and_the_offline_answerer(app: FastAPI) -> None:
    with TestClient(app) as client:
        assert client.get("/health/ready").status_code == 200
        assert isinstance(app.state.llm, OfflineAnswerer)
        assert client.get("/documents/").json() == []


def test_lifespan_closes_the_llm_client_and_the_pool(clean_env: Path, tmp_path: Path) -> None:
    app = create_app(make_settings(database_url=_file_url(tmp_path), openai_api_key="sk-test-key"))
    with TestClient(app) as client:
        client.get("/health/ready")
        llm = app.state.llm
        engine: Engine = app.state.engine
        assert isinstance(llm, OpenAIChatClient)
        assert engine.pool.checkedin() == 1

    assert llm._client.is_closed
    assert engine.pool.checkedin() == 0


def _store_unfinished(url: str) -> dict[str, int]:
    """What a crash leaves behind: documents stuck before or during processing."""
    engine = build_engine(url)
    try:
        init_db(engine)
        with build_session_factory(engine)() as session:
            documents = {
                "pending": Document(title="Pending", content=KETTLE),
                "processing": Document(
                    title="Processing", content=KETTLE, status=DocumentStatus.PROCESSING
                ),
                "hopeless": Document(title="Hopeless", content="?? !!"),
            }
            session.add_all(documents.values())
            session.commit()
            return {name: document.id for name, document in documents.items()}
    finally:
        engine.dispose()


def test_startup_recovers_documents_left_unfinished_by_a_crash(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    ids = _store_unfinished(_file_url(tmp_path))

    client = make_client(database_url=_file_url(tmp_path))

    statuses = {doc["id"]: doc["status"] for doc in client.get("/documents/").json()}
    assert statuses == {
        ids["pending"]: "ready",
        ids["processing"]: "ready",
        ids["hopeless"]: "failed",
    }
    sources = client.post("/chat/ask", json={"question": "descale"}).json()["sources"]
    assert {source["title"] for source in sources} == {"Pending", "Processing"}


def test_documents_survive_a_restart(clean_env: Path, tmp_path: Path) -> None:
    settings = make_settings(database_url=_file_url(tmp_path))
    with TestClient(create_app(settings)) as client:
        document_id = create_document(client, "Kettle", KETTLE)["id"]

    with TestClient(create_app(settings)) as client:
        assert client.get(f"/documents/{document_id}").json()["status"] == "ready"
        answer = client.post("/chat/ask", json={"question": "descale kettle"}).json()["answer"]
        assert "(Kettle)" in answer


# --- error handlers and connections --------------------------------------------------------------


def test_database_failure_in_a_route_returns_503(client: TestClient, app: FastAPI) -> None:
    broken = build_engine("sqlite:////nonexistent-dir/for/docchat.db")
    app.dependency_overrides[get_session_factory] = lambda: build_session_factory(broken)
    try:
        response = client.get("/documents/")
    finally:
        broken.dispose()

    assert response.status_code == 503
    assert response.json() == {"detail": "database unavailable (OperationalError)"}


class _FailingLLM:
    def __init__(self, error: Exception) -> None:
        self.error = error

    async def answer(self, question: str, passages: Sequence[Hit]) -> str:
        raise self.error

    async def aclose(self) -> None:
        return None


def test_no_connection_stays_checked_out_after_many_requests_even_failing_ones(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    client = make_client(
        raise_server_exceptions=False, database_url=_file_url(tmp_path), max_upload_bytes=1000
    )
    app: FastAPI = client.app  # type: ignore[assignment]
    pool = app.state.engine.pool
    kettle = create_document(client, "Kettle", KETTLE)["id"]
    calls: list[Callable[[], object]] = [
        lambda: client.post("/documents/", json={"title": "K", "content": KETTLE}),
        lambda: client.post("/documents/", json={"title": "", "content": KETTLE}),  # 422
        lambda: client.post("/documents/", json={"title": "K", "content": "x" * 2000}),  # 413
        lambda: client.post("/documents/upload", files={"file": ("a.png", b"x", "image/png")}),
        lambda: client.post("/documents/upload", files={"file": ("a.txt", b"\xff", "text/plain")}),
        lambda: client.get("/documents/"),
        lambda: client.get("/documents/", params={"limit": 0}),  # 422
        lambda: client.get(f"/documents/{kettle}"),
        lambda: client.get("/documents/424242"),  # 404
        lambda: client.get(f"/documents/{kettle}/chunks"),
        lambda: client.post("/chat/ask", json={"question": "kettle"}),
        lambda: client.post("/chat/ask", json={"question": "kettle", "document_ids": [999]}),
        lambda: client.get("/health/ready"),
    ]

    for _ in range(5):
        for call in calls:
            call()
            assert pool.checkedout() == 0, call
    app.dependency_overrides[get_llm] = lambda: _FailingLLM(LLMError("upstream down"))
    assert client.post("/chat/ask", json={"question": "kettle"}).status_code == 502
    assert pool.checkedout() == 0
    app.dependency_overrides[get_llm] = lambda: _FailingLLM(RuntimeError("bug"))
    assert client.post("/chat/ask", json={"question": "kettle"}).status_code == 500
    assert pool.checkedout() == 0
    assert client.delete(f"/documents/{kettle}").status_code == 204
    assert client.delete(f"/documents/{kettle}").status_code == 404
    assert pool.checkedout() == 0


# --- threads and connections come from one setting -----------------------------------------------


@pytest.mark.parametrize("threads", [1, 8, 40])
def test_the_pool_has_a_connection_for_every_thread_that_may_use_one(
    clean_env: Path, tmp_path: Path, threads: int
) -> None:
    app = create_app(make_settings(database_url=_file_url(tmp_path), threads=threads))
    capacity = capacity_for(app.state.settings)
    executors = app.state.sessions.kw["info"][EXECUTORS]

    with TestClient(app) as client:
        limiter_tokens = client.portal.call(
            lambda: to_thread.current_default_thread_limiter().total_tokens
        )

    assert limiter_tokens == capacity.background_threads == threads
    assert executors.reads.threads == capacity.read_threads
    assert executors.writes.threads == capacity.write_threads == 1
    pool = app.state.engine.pool
    assert pool.size() == capacity.connections  # no checkout can wait for another thread
    assert pool._max_overflow == 0  # and none beyond what was counted
