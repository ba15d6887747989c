"""What must hold on every database: the same text rule, ids past 32 bits, stemmed search,
and a full pool answered as 503. Each runs on SQLite and on PostgreSQL (conftest.py)."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from docchat.schemas import MAX_ID
from tests.docchat_testkit import create_document

KETTLE = "Descale the kettle every month. Limescale slows the heating element."
# Every control character the rule refuses, one class at a time: NUL, C0, DEL, C1.
CONTROLS = ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9f"]


@pytest.mark.parametrize("control", CONTROLS)
@pytest.mark.parametrize("field", ["title", "content"])
def test_a_control_character_in_json_is_a_422_that_says_so(
    client: TestClient, field: str, control: str
) -> None:
    body = {"title": "Kettle", "content": KETTLE, field: f"Kettle {control} care"}

    response = client.post("/documents/", json=body)

    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", field]
    assert f"control character U+{ord(control):04X} at position 7" in error["msg"]
    assert client.get("/documents/").json() == []


@pytest.mark.parametrize(
    ("part", "files", "data"),
    [
        ("file", {"file": ("k.txt", b"Kettle\x00care", "text/plain")}, {}),
        ("title", {"file": ("k.txt", KETTLE.encode(), "text/plain")}, {"title": "Ket\x00tle"}),
    ],
    ids=["content", "title"],
)
def test_a_control_character_in_an_upload_is_a_422_that_says_so(
    client: TestClient, part: str, files: dict[str, Any], data: dict[str, str]
) -> None:
    response = client.post("/documents/upload", files=files, data=data)

    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", part]
    assert "control character" in error["msg"]
    assert client.get("/documents/").json() == []


def test_a_control_character_in_a_file_name_is_a_422(client: TestClient) -> None:
    # Written by hand: an HTTP client would percent-encode the control character.
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="ket\x01tle.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\n" + KETTLE.encode() + b"\r\n--b--\r\n"
    )
    headers = {"Content-Type": "multipart/form-data; boundary=b"}

    response = client.post("/documents/upload", content=body, headers=headers)

    assert response.status_code == 422, response.text
    assert "file name contains control character U+0001" in response.json()["detail"][0]["msg"]
    assert client.get("/documents/").json() == []


def test_a_control_character_in_a_question_is_a_422(client: TestClient) -> None:
    response = client.post("/chat/ask", json={"question": "kettle\x00"})

    assert response.status_code == 422
    assert "control character U+0000" in response.json()["detail"][0]["msg"]


def test_tab_newline_return_and_form_feed_are_text(client: TestClient) -> None:
    content = "Kettle care\tmonthly.\r\nDescale it.\fLimescale slows it."

    document = create_document(client, "Kettle\tcare", content)

    assert client.get(f"/documents/{document['id']}").json()["status"] == "ready"


@pytest.mark.parametrize("document_id", [2**31 - 1, 2**31, 2**32, 2**40, MAX_ID])
def test_ids_past_32_bits_are_404s_never_500s(client: TestClient, document_id: int) -> None:
    assert client.get(f"/documents/{document_id}").status_code == 404
    assert client.get(f"/documents/{document_id}/chunks").status_code == 404
    assert client.delete(f"/documents/{document_id}").status_code == 404
    assert client.post(f"/documents/{document_id}/retry").status_code == 404
    asked = client.post("/chat/ask", json={"question": "kettle", "document_ids": [document_id]})
    assert asked.status_code == 404
    assert str(document_id) in asked.json()["detail"]


def test_a_document_with_a_64_bit_id_is_stored_read_searched_and_deleted(
    client: TestClient,
) -> None:
    big = 2**40 + 7
    with client.app.state.engine.begin() as connection:  # type: ignore[attr-defined]
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT setval('documents_id_seq', :n)"), {"n": big - 1})
        else:
            connection.execute(
                text("INSERT INTO sqlite_sequence VALUES ('documents', :n)"), {"n": big - 1}
            )

    document = create_document(client, "Kettle", KETTLE)

    assert document["id"] == big
    assert client.get(f"/documents/{big}").json()["status"] == "ready"
    chunks = client.get(f"/documents/{big}/chunks").json()
    assert chunks
    asked = client.post("/chat/ask", json={"question": "kettle", "document_ids": [big]}).json()
    assert asked["sources"][0]["document_id"] == big
    assert client.delete(f"/documents/{big}").status_code == 204


def test_search_stems_words_on_every_database(client: TestClient) -> None:
    kettle = create_document(client, "Kettle care", KETTLE)
    create_document(client, "Teapot tips", "Warm the teapot before brewing loose leaves.")

    for question in ("descaling", "kettles", "How do I descale kettles?"):
        sources = client.post("/chat/ask", json={"question": question}).json()["sources"]
        assert [s["document_id"] for s in sources] == [kettle["id"]], question
        assert sources[0]["score"] > 0
        assert set(sources[0]) == {
            "n",
            "document_id",
            "title",
            "chunk_id",
            "position",
            "score",
            "text",
        }


def test_search_syntax_in_a_question_is_only_words(client: TestClient) -> None:
    create_document(client, "Kettle care", KETTLE)

    for question in ['"kettle', "kettle -descale", "kettle OR", "(kettle", "kettle:*", "'"]:
        response = client.post("/chat/ask", json={"question": question})
        assert response.status_code == 200, (question, response.text)


def test_a_full_pool_is_a_503_with_retry_after(
    make_client: Callable[..., TestClient], database_url: str
) -> None:
    if database_url == "sqlite://":
        database_url = "sqlite:///docchat.db"  # memory has one connection and no pool
    client = make_client(database_url=database_url, threads=1, pool_timeout_s=0.2)
    engine = client.app.state.engine  # type: ignore[attr-defined]
    held = [engine.connect() for _ in range(engine.pool.size())]
    try:
        responses = [client.get("/documents/") for _ in range(3)]
    finally:
        for connection in held:
            connection.close()

    for response in responses:
        assert response.status_code == 503
        assert response.headers["Retry-After"].isdigit()
        assert "database unavailable" in response.json()["detail"]
    assert client.get("/documents/").status_code == 200  # and it recovers


def test_many_concurrent_asks_get_no_5xx(client: TestClient) -> None:
    for n in range(5):
        create_document(client, f"Kettle {n}", KETTLE)
    statuses: list[int] = []

    def ask() -> None:
        statuses.append(client.post("/chat/ask", json={"question": "descaling"}).status_code)

    threads = [threading.Thread(target=ask) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 40
