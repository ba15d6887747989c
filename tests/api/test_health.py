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
