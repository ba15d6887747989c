"""The documents routes when things go wrong: a busy or failing database, retries, odd uploads."""

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

import docchat.core.db_executor as db_executor
import docchat.services.processing as processing
from docchat.core.busy import Backoff
from docchat.core.sqlite import BUSY_TIMEOUT_MS
from tests.docchat_testkit import create_document, document_count

KETTLE = "Descale the kettle every month. Limescale slows the heating element."
SECRET = "The launch code is 0000-TOP-SECRET-9999."


@pytest.fixture
def file_client(make_client: Callable[..., TestClient], tmp_path: Path) -> TestClient:
    return make_client(database_url=f"sqlite:///{tmp_path / 'docchat.db'}")


# --- ids -----------------------------------------------------------------------------------------


def test_the_id_of_a_deleted_document_is_never_given_again(client: TestClient) -> None:
    first = create_document(client, "first", KETTLE)["id"]
    newest = create_document(client, "newest", KETTLE)["id"]
    assert client.delete(f"/documents/{newest}").status_code == 204

    again = create_document(client, "again", KETTLE)["id"]

    assert again > newest > first  # a client holding `newest` never reads another document
    assert client.get(f"/documents/{newest}").status_code == 404


# --- retrying ------------------------------------------------------------------------------------


def test_a_document_the_database_let_down_is_pending_and_retried_to_ready(
    client: TestClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_split = processing.split_into_chunks

    def disk_error(*_args: object) -> list[str]:
        raise OperationalError("INSERT INTO chunks ...", {}, sqlite3.OperationalError("disk I/O"))

    monkeypatch.setattr(processing, "split_into_chunks", disk_error)
    created = create_document(client, "Kettle", KETTLE)
    document = client.get(f"/documents/{created['id']}").json()
    assert document["status"] == "pending"  # not `failed`: the document did nothing wrong
    assert "it will be retried" in document["error"]

    monkeypatch.setattr(processing, "split_into_chunks", real_split)
    retried = client.post(f"/documents/{created['id']}/retry")

    assert retried.status_code == 202
    assert retried.json()["status"] == "pending"
    document = client.get(f"/documents/{created['id']}").json()
    assert (document["status"], document["error"]) == ("ready", None)


def test_a_failed_document_can_be_retried_and_fails_again_for_its_own_reason(
    client: TestClient,
) -> None:
    created = create_document(client, "Punctuation", "!!! ... ???")

    retried = client.post(f"/documents/{created['id']}/retry")

    assert retried.status_code == 202
    document = client.get(f"/documents/{created['id']}").json()
    assert (document["status"], document["error"]) == (
        "failed",
        "the document has no searchable words",
    )


def test_retry_of_a_ready_or_unknown_document_is_refused(client: TestClient) -> None:
    ready = create_document(client, "Kettle", KETTLE)["id"]

    conflict = client.post(f"/documents/{ready}/retry")
    missing = client.post("/documents/424242/retry")

    assert conflict.status_code == 409
    assert conflict.json() == {"detail": f"document {ready} is ready: not retried"}
    assert missing.status_code == 404
    assert missing.json() == {"detail": "document 424242 not found"}


# --- a busy database -----------------------------------------------------------------------------


def _hold_write_lock(database: Path, seconds: float) -> threading.Thread:
    locked = threading.Event()

    def hold() -> None:
        with closing(sqlite3.connect(database, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")
            locked.set()
            time.sleep(seconds)
            other.execute("ROLLBACK")

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(10)
    return holder


def test_a_write_waits_for_a_lock_held_past_sqlites_own_wait(
    file_client: TestClient, tmp_path: Path
) -> None:
    holder = _hold_write_lock(tmp_path / "docchat.db", BUSY_TIMEOUT_MS / 1000 + 0.8)

    response = file_client.post("/documents/", json={"title": "Kettle", "content": KETTLE})
    holder.join()

    assert response.status_code == 202, response.text  # not the 503 of main's code
    assert file_client.get(f"/documents/{response.json()['id']}").json()["status"] == "ready"


def test_a_database_busy_for_longer_than_a_request_waits_is_a_429_with_retry_after(
    file_client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_executor, "REQUEST_BACKOFF", Backoff(budget_s=0.2))
    holder = _hold_write_lock(tmp_path / "docchat.db", BUSY_TIMEOUT_MS / 1000 + 1.0)

    response = file_client.post("/documents/", json={"title": "Kettle", "content": KETTLE})
    holder.join()

    assert response.status_code == 429  # busy is not down: never a 503
    assert response.headers["retry-after"] == "5"
    assert response.json() == {"detail": "the database is busy; try again in 5 s"}
    assert document_count(file_client.app) == 0


def test_a_database_that_is_down_is_a_503_with_retry_after(file_client: TestClient) -> None:
    engine = file_client.app.state.engine  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE chunks"))
        conn.execute(text("DROP TABLE documents"))

    response = file_client.get("/documents/")

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json() == {"detail": "database unavailable (OperationalError)"}


def test_no_document_content_reaches_the_logs_when_the_database_fails(
    file_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    engine = file_client.app.state.engine  # type: ignore[attr-defined]
    with engine.begin() as conn:  # inserting a chunk now fails, with the text as a parameter
        conn.execute(text("DROP TABLE chunks"))
    caplog.set_level(logging.DEBUG)

    created = create_document(file_client, "Secret plans", SECRET)

    document = file_client.get(f"/documents/{created['id']}").json()
    assert document["status"] == "pending"
    assert "0000-TOP-SECRET" not in caplog.text
    assert "0000-TOP-SECRET" not in (document["error"] or "")


# --- uploads -------------------------------------------------------------------------------------


def test_the_schema_says_which_file_types_an_upload_takes(client: TestClient) -> None:
    files = {"file": ("README", KETTLE.encode(), "application/octet-stream")}

    refused = client.post("/documents/upload", files=files)
    schema = client.get("/openapi.json").json()

    assert refused.status_code == 415
    body = schema["paths"]["/documents/upload"]["post"]["requestBody"]["content"]
    encoding = body["multipart/form-data"]["encoding"]
    assert encoding == {"file": {"contentType": "text/plain, text/markdown"}}
    assert "415" in schema["paths"]["/documents/upload"]["post"]["responses"]


def _multipart(title: bytes, filename: bytes = b"notes.txt") -> tuple[bytes, str]:
    boundary = "kettleboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\n'.encode()
        + title
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '.encode()
        + b'filename="'
        + filename
        + b'"\r\nContent-Type: text/plain\r\n\r\n'
        + KETTLE.encode()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    ("title", "filename"),
    [(b"caf\xe9", b"notes.txt"), (b"\xff\xfe", b"notes.txt"), (b"ok", b"caf\xe9.txt")],
    ids=["latin-1-title", "binary-title", "latin-1-file-name"],
)
def test_form_text_that_is_not_utf8_is_refused_not_stored_as_mojibake(
    client: TestClient, app: FastAPI, title: bytes, filename: bytes
) -> None:
    body, content_type = _multipart(title, filename)

    response = client.post(
        "/documents/upload", content=body, headers={"content-type": content_type}
    )

    assert response.status_code == 400
    assert "is not UTF-8 text" in response.json()["detail"]
    assert document_count(app) == 0


def test_form_text_in_utf8_keeps_its_accents(client: TestClient) -> None:
    body, content_type = _multipart("café".encode(), "crème.txt".encode())

    response = client.post(
        "/documents/upload", content=body, headers={"content-type": content_type}
    )

    assert response.status_code == 202, response.text
    assert response.json()["title"] == "café"


@pytest.mark.parametrize("charset", ["latin-1", "cp1252", "utf-16"])
def test_a_form_that_declares_another_charset_is_refused(
    client: TestClient, app: FastAPI, charset: str
) -> None:
    """Its UTF-8 bytes were read in the declared charset: "Café" was stored as "CafÃ©"."""
    body, content_type = _multipart("Café".encode(), "crème.txt".encode())

    response = client.post(
        "/documents/upload",
        content=body,
        headers={"content-type": f"{content_type}; charset={charset}"},
    )

    assert response.status_code == 400
    assert response.json()["detail"] == f"the form's charset must be UTF-8, not {charset!r}"
    assert document_count(app) == 0


def test_a_form_that_declares_utf8_is_read_as_utf8(client: TestClient) -> None:
    body, content_type = _multipart("Café".encode())

    response = client.post(
        "/documents/upload",
        content=body,
        headers={"content-type": f"{content_type}; charset=UTF-8"},
    )

    assert response.status_code == 202, response.text
    assert response.json()["title"] == "Café"
