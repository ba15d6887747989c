"""Small helpers the app's tests share: building settings, storing and counting documents."""

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from docchat.core.config import Settings
from docchat.models import Document

# Small chunks, so a few sentences already make several of them.
TEST_SETTINGS: dict[str, Any] = {
    "database_url": "sqlite://",
    "openai_api_key": None,
    "chunk_size": 200,
    "chunk_overlap": 40,
}


def make_settings(**overrides: Any) -> Settings:
    """Settings from the given values only: no environment, no `.env`."""
    return Settings(_env_file=None, **{**TEST_SETTINGS, **overrides})


def create_document(client: TestClient, title: str, content: str) -> dict[str, Any]:
    response = client.post("/documents/", json={"title": title, "content": content})
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def document_count(app: FastAPI) -> int:
    with app.state.sessions() as session:
        count: int = session.scalar(select(func.count()).select_from(Document))
        return count


def remove_database(database: Path) -> None:
    """Delete a SQLite database file as a lost volume would, its WAL files included."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
