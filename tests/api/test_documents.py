"""The /documents endpoints: accept (JSON and file), list, read, chunks, delete."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text

import docchat.services.processing as processing
from docchat.models import Chunk, Document, DocumentStatus
from tests.docchat_testkit import create_document, document_count

KETTLE = (
    "The kettle boils water for tea. A whistle tells you when the water is hot.\n\n"
    "Descale the kettle every month, because limescale slows the heating element.\n\n"
    "Never fill the kettle above the maximum line: boiling water can spit out of the spout."
)


def _field_errors(response: Any) -> set[tuple[str, ...]]:
    return {tuple(str(part) for part in error["loc"]) for error in response.json()["detail"]}


# --- POST /documents/ (JSON) -------------------------------------------------------------------


def test_create_document_returns_202_pending_with_id_and_title(client: TestClient) -> None:
    response = client.post("/documents/", json={"title": "  Kettle  ", "content": KETTLE})

    assert response.status_code == 202
    body = response.json()
    assert isinstance(body["id"], int)
    assert body["title"] == "Kettle"  # surrounding whitespace stripped
    assert body["status"] == "pending"  # the answer goes out before the task runs
    assert body["chunk_count"] == 0
    assert body["error"] is None


def test_create_document_is_processed_in_background_until_ready(client: TestClient) -> None:
    created = create_document(client, "Kettle", KETTLE)

    document = client.get(f"/documents/{created['id']}").json()
    chunks = client.get(f"/documents/{created['id']}/chunks").json()

    assert document["status"] == "ready"
    assert document["error"] is None
    assert document["chunk_count"] == len(chunks) >= 2
    assert [chunk["position"] for chunk in chunks] == list(range(len(chunks)))


def test_create_document_status_is_processing_while_the_task_runs(
    client: TestClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[DocumentStatus] = []
    real_split = processing.split_into_chunks

    def spy(text_: str, size: int, overlap: int) -> list[str]:
        with app.state.sessions() as session:
            seen.extend(session.scalars(select(Document.status)))
        return real_split(text_, size, overlap)

    monkeypatch.setattr(processing, "split_into_chunks", spy)
    created = create_document(client, "Kettle", KETTLE)

    assert created["status"] == "pending"
    assert seen == [DocumentStatus.PROCESSING]
    assert client.get(f"/documents/{created['id']}").json()["status"] == "ready"


def test_create_document_without_searchable_words_ends_failed_with_reason(
    client: TestClient,
) -> None:
    created = create_document(client, "Punctuation", "!!! ... ??? --- a b c")

    document = client.get(f"/documents/{created['id']}").json()

    assert document["status"] == "failed"
    assert document["error"] == "the document has no searchable words"
    assert document["chunk_count"] == 0
    assert client.get(f"/documents/{created['id']}/chunks").json() == []


def test_create_document_task_crash_ends_failed_not_processing(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_args: object) -> list[str]:
        raise RuntimeError("chunker exploded")

    monkeypatch.setattr(processing, "split_into_chunks", explode)
    created = create_document(client, "Kettle", KETTLE)

    document = client.get(f"/documents/{created['id']}").json()

    assert document["status"] == "failed"
    assert document["error"] == "RuntimeError: chunker exploded"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content": KETTLE}, ("body", "title")),
        ({"title": "   ", "content": KETTLE}, ("body", "title")),
        ({"title": "x" * 201, "content": KETTLE}, ("body", "title")),
        ({"title": "Kettle"}, ("body", "content")),
        ({"title": "Kettle", "content": ""}, ("body", "content")),
        ({"title": "Kettle", "content": " \n\t "}, ("body", "content")),
        ({"title": "Kettle", "content": KETTLE, "owner": "me"}, ("body", "owner")),
        ({"title": 42, "content": KETTLE}, ("body", "title")),
    ],
    ids=[
        "missing-title",
        "blank-title",
        "long-title",
        "missing-content",
        "empty-content",
        "blank-content",
        "unknown-field",
        "title-not-a-string",
    ],
)
def test_create_document_invalid_body_returns_422_naming_field_and_stores_nothing(
    client: TestClient, app: FastAPI, body: dict[str, Any], field: tuple[str, ...]
) -> None:
    response = client.post("/documents/", json=body)

    assert response.status_code == 422
    assert field in _field_errors(response)
    assert document_count(app) == 0


def test_create_document_malformed_json_returns_422(client: TestClient, app: FastAPI) -> None:
    response = client.post(
        "/documents/", content=b'{"title": "x", ', headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"
    assert document_count(app) == 0


def test_create_document_title_of_200_characters_is_accepted(client: TestClient) -> None:
    created = create_document(client, "t" * 200, KETTLE)

    assert created["title"] == "t" * 200


def test_create_document_over_byte_limit_returns_413_and_stores_nothing(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(max_upload_bytes=100)
    # 51 characters but 102 bytes: the limit is on UTF-8 bytes, not characters.
    response = client.post("/documents/", json={"title": "Accents", "content": "é" * 51})

    assert response.status_code == 413
    assert "102 bytes" in response.json()["detail"]
    assert "DOCCHAT_MAX_UPLOAD_BYTES" in response.json()["detail"]
    assert document_count(client.app) == 0


def test_create_document_exactly_at_byte_limit_is_accepted(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(max_upload_bytes=100)

    response = client.post("/documents/", json={"title": "Full", "content": "é" * 50})

    assert response.status_code == 202


# --- POST /documents/upload (multipart) --------------------------------------------------------


def test_upload_text_file_is_stored_titled_by_file_name_and_processed(
    client: TestClient,
) -> None:
    files = {"file": ("kettle-notes.txt", KETTLE.encode(), "text/plain")}

    response = client.post("/documents/upload", files=files)

    assert response.status_code == 202
    body = response.json()
    assert body["title"] == "kettle-notes"
    assert body["status"] == "pending"
    assert client.get(f"/documents/{body['id']}").json()["status"] == "ready"


def test_upload_markdown_with_explicit_title_uses_that_title(client: TestClient) -> None:
    files = {"file": ("notes.md", b"# Kettles\n\nThey boil water.", "text/markdown; charset=utf-8")}

    response = client.post("/documents/upload", files=files, data={"title": " My kettle "})

    assert response.status_code == 202
    assert response.json()["title"] == "My kettle"


@pytest.mark.parametrize("name", ["notes.md", "notes.TXT", "notes.markdown"])
def test_upload_generic_type_with_text_suffix_is_accepted(client: TestClient, name: str) -> None:
    files = {"file": (name, b"Kettles boil water.", "application/octet-stream")}

    response = client.post("/documents/upload", files=files)

    assert response.status_code == 202


def test_upload_strips_utf8_byte_order_mark(client: TestClient) -> None:
    files = {"file": ("bom.txt", "\ufeffKettles boil water.".encode(), "text/plain")}

    document_id = client.post("/documents/upload", files=files).json()["id"]

    chunks = client.get(f"/documents/{document_id}/chunks").json()
    assert chunks[0]["text"] == "Kettles boil water."


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("photo.png", "image/png"),
        ("report.pdf", "application/pdf"),
        ("report.pdf", "application/octet-stream"),
        ("page.html", "text/html"),
    ],
)
def test_upload_wrong_type_returns_415_and_stores_nothing(
    client: TestClient, app: FastAPI, name: str, media_type: str
) -> None:
    files = {"file": (name, b"Kettles boil water.", media_type)}

    response = client.post("/documents/upload", files=files)

    assert response.status_code == 415
    assert media_type in response.json()["detail"]
    assert document_count(app) == 0


def test_upload_over_byte_limit_returns_413_and_stores_nothing(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(max_upload_bytes=100)
    files = {"file": ("big.txt", b"word " * 21, "text/plain")}  # 105 bytes

    response = client.post("/documents/upload", files=files)

    assert response.status_code == 413
    assert "the limit is 100 bytes" in response.json()["detail"]
    assert document_count(client.app) == 0


def test_upload_undecodable_bytes_returns_422_and_stores_nothing(
    client: TestClient, app: FastAPI
) -> None:
    files = {"file": ("latin1.txt", "Kettle café".encode("latin-1"), "text/plain")}

    response = client.post("/documents/upload", files=files)

    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "file"]
    assert error["msg"] == "the file is not UTF-8 text (undecodable byte at offset 10)"
    assert document_count(app) == 0


@pytest.mark.parametrize("data", [b"", b"  \n\t\n", b"\xef\xbb\xbf"], ids=["empty", "blank", "bom"])
def test_upload_empty_file_returns_422_and_stores_nothing(
    client: TestClient, app: FastAPI, data: bytes
) -> None:
    files = {"file": ("empty.txt", data, "text/plain")}

    response = client.post("/documents/upload", files=files)

    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["loc"], error["msg"]) == (["body", "file"], "the file is empty")
    assert document_count(app) == 0


def test_upload_without_file_returns_422(client: TestClient, app: FastAPI) -> None:
    response = client.post("/documents/upload", data={"title": "Nothing"})

    assert response.status_code == 422
    assert ("body", "file") in _field_errors(response)
    assert document_count(app) == 0


def test_upload_title_over_200_characters_returns_422(client: TestClient, app: FastAPI) -> None:
    files = {"file": ("notes.txt", b"Kettles boil water.", "text/plain")}

    response = client.post("/documents/upload", files=files, data={"title": "x" * 201})

    assert response.status_code == 422
    assert ("body", "title") in _field_errors(response)
    assert document_count(app) == 0


# --- GET /documents/ and /documents/{id} ---------------------------------------------------------


def test_list_documents_empty_returns_empty_list(client: TestClient) -> None:
    response = client.get("/documents/")

    assert response.status_code == 200
    assert response.json() == []


def test_list_documents_is_ordered_by_id_and_paginated(client: TestClient) -> None:
    ids = [create_document(client, f"Doc {n}", f"Kettle number {n}.")["id"] for n in range(5)]

    everything = client.get("/documents/").json()
    page = client.get("/documents/", params={"skip": 2, "limit": 2}).json()
    past_the_end = client.get("/documents/", params={"skip": 5}).json()

    assert [doc["id"] for doc in everything] == sorted(ids)
    assert [doc["id"] for doc in page] == sorted(ids)[2:4]
    assert past_the_end == []


def test_list_documents_default_limit_is_20_and_max_is_100(client: TestClient) -> None:
    for n in range(21):
        create_document(client, f"Doc {n}", f"Kettle number {n}.")

    assert len(client.get("/documents/").json()) == 20
    assert len(client.get("/documents/", params={"limit": 100}).json()) == 21


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"skip": -1}, "skip"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"skip": 2**63}, "skip"),
    ],
)
def test_list_documents_pagination_out_of_bounds_returns_422(
    client: TestClient, params: dict[str, object], name: str
) -> None:
    response = client.get("/documents/", params=params)

    assert response.status_code == 422
    assert ("query", name) in _field_errors(response)


def test_list_documents_without_trailing_slash_redirects(client: TestClient) -> None:
    response = client.get("/documents", follow_redirects=False)

    assert response.status_code == 307
    assert response.headers["location"].endswith("/documents/")


def test_get_document_returns_it(client: TestClient) -> None:
    created = create_document(client, "Kettle", KETTLE)

    response = client.get(f"/documents/{created['id']}")

    assert response.status_code == 200
    assert response.json()["id"] == created["id"]
    assert response.json()["title"] == "Kettle"
    assert response.json()["created_at"] == created["created_at"]


def test_get_document_unknown_id_returns_404(client: TestClient) -> None:
    response = client.get("/documents/999")

    assert response.status_code == 404
    assert response.json() == {"detail": "document 999 not found"}


@pytest.mark.parametrize("bad_id", ["0", str(2**53), str(2**63)])
def test_get_document_id_out_of_bounds_returns_422(client: TestClient, bad_id: str) -> None:
    response = client.get(f"/documents/{bad_id}")

    assert response.status_code == 422
    assert ("path", "document_id") in _field_errors(response)


EVERY_ID_ROUTE = [("GET", ""), ("GET", "/chunks"), ("DELETE", ""), ("POST", "/retry")]


@pytest.mark.parametrize("digits", [4300, 4301])
@pytest.mark.parametrize(("method", "suffix"), EVERY_ID_ROUTE)
def test_an_id_of_thousands_of_digits_is_a_422_not_a_500(
    client: TestClient, method: str, suffix: str, digits: int
) -> None:
    # Python's int() refuses a string past 4300 digits; Starlette's `int` path convertor
    # called it while matching the route, so 4301 digits were a plain-text 500.
    response = client.request(method, f"/documents/{'1' * digits}{suffix}")

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert ("path", "document_id") in _field_errors(response)


@pytest.mark.parametrize(("method", "suffix"), EVERY_ID_ROUTE)
def test_an_id_with_a_decimal_point_matches_no_route(
    client: TestClient, method: str, suffix: str
) -> None:
    create_document(client, "Kettle", KETTLE)

    assert client.request(method, f"/documents/1.0{suffix}").status_code == 404


@pytest.mark.parametrize("not_an_id", ["-3", "abc", "1.0", "1e3", "+1", "%201", "0x1", "１"])
@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_document_path_that_is_not_digits_names_no_document(
    client: TestClient, app: FastAPI, method: str, not_an_id: str
) -> None:
    kept = create_document(client, "Kettle", KETTLE)["id"]

    response = client.request(method, f"/documents/{not_an_id}")

    assert response.status_code == 404  # "1.0" is not document 1
    assert client.get(f"/documents/{kept}").status_code == 200
    assert document_count(app) == 1


# --- GET /documents/{id}/chunks ------------------------------------------------------------------


def test_list_chunks_returns_them_in_order_within_the_size_limit(client: TestClient) -> None:
    created = create_document(client, "Kettle", KETTLE)

    chunks = client.get(f"/documents/{created['id']}/chunks").json()

    assert len(chunks) >= 2
    assert all(len(chunk["text"]) <= 200 for chunk in chunks)
    assert "kettle boils water" in chunks[0]["text"]
    assert "limescale" in chunks[-1]["text"]


def test_list_chunks_is_paginated(client: TestClient) -> None:
    created = create_document(client, "Kettle", KETTLE)
    everything = client.get(f"/documents/{created['id']}/chunks").json()

    page = client.get(f"/documents/{created['id']}/chunks", params={"skip": 1, "limit": 1}).json()

    assert page == everything[1:2]


def test_list_chunks_unknown_document_returns_404(client: TestClient) -> None:
    response = client.get("/documents/999/chunks")

    assert response.status_code == 404
    assert response.json() == {"detail": "document 999 not found"}


# --- DELETE /documents/{id} ----------------------------------------------------------------------


def _fts_rows_matching(app: FastAPI, word: str) -> int:
    """Entries of the database's own full-text index (FTS5, or PostgreSQL's tsvector)."""
    with app.state.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            sql = "SELECT count(*) FROM chunks WHERE search_vector @@ to_tsquery('english', :word)"
        else:
            sql = "SELECT count(*) FROM chunk_fts WHERE chunk_fts MATCH :word"
        count: int = conn.scalar(text(sql), {"word": word})
        return count


def test_delete_document_returns_204_and_removes_it_its_chunks_and_index_entries(
    client: TestClient, app: FastAPI
) -> None:
    created = create_document(client, "Kettle", KETTLE)
    keep = create_document(client, "Teapot", "A teapot brews tea leaves slowly.")
    assert _fts_rows_matching(app, "limescale") >= 1
    question = {"question": "How do I remove limescale?"}
    assert client.post("/chat/ask", json=question).json()["sources"]

    response = client.delete(f"/documents/{created['id']}")

    assert response.status_code == 204
    assert response.content == b""
    assert client.get(f"/documents/{created['id']}").status_code == 404
    with app.state.sessions() as session:
        assert set(session.scalars(select(Chunk.document_id))) == {keep["id"]}
    assert _fts_rows_matching(app, "limescale") == 0
    assert client.post("/chat/ask", json=question).json()["sources"] == []
    assert client.post("/chat/ask", json={"question": "teapot"}).json()["sources"]


def test_delete_document_unknown_id_returns_404(client: TestClient) -> None:
    response = client.delete("/documents/999")

    assert response.status_code == 404
    assert response.json() == {"detail": "document 999 not found"}


def test_delete_document_twice_returns_404_the_second_time(client: TestClient) -> None:
    created = create_document(client, "Kettle", KETTLE)

    assert client.delete(f"/documents/{created['id']}").status_code == 204
    assert client.delete(f"/documents/{created['id']}").status_code == 404


@pytest.mark.parametrize("content", ["", " \n\t "], ids=["empty", "blank"])
def test_empty_content_is_a_422_that_reads_as_a_sentence(client: TestClient, content: str) -> None:
    response = client.post("/documents/", json={"title": "Kettle", "content": content})

    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "content"]
    assert error["msg"] == "The content is empty: send the document's text, not only spaces"
    assert "pattern" not in response.text
