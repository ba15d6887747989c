"""Liveness and readiness."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from docchat.core.db import build_engine


def test_health_returns_ok(client: TestClient) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_ready_when_database_answers_returns_200(client: TestClient) -> None:
    response = client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok"}


def test_health_ready_when_database_is_down_returns_503(client: TestClient, app: FastAPI) -> None:
    broken = build_engine("sqlite:////nonexistent-dir/for/docchat.db")
    app.state.engine = broken
    try:
        response = client.get("/health/ready")
        liveness = client.get("/health")
    finally:
        broken.dispose()

    assert response.status_code == 503
    assert response.json() == {"detail": "database unavailable (OperationalError)"}
    assert liveness.status_code == 200  # alive, just not ready


def test_readiness_is_503_when_the_lifespan_never_ran() -> None:
    from fastapi.testclient import TestClient

    from docchat.core.config import Settings
    from docchat.main import create_app

    app = create_app(Settings(_env_file=None, database_url="sqlite://"))
    client = TestClient(app)  # no `with`: start-up never runs, so no tables exist
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json() == {"detail": "the app has not started"}
    with TestClient(app) as started:
        assert started.get("/health/ready").status_code == 200
    assert client.get("/health/ready").status_code == 503  # and again after shutdown
