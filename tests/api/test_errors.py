"""Every input gets a 4xx or a 2xx with JSON, never a 500: the error handlers and the limits."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from docchat.api.body_limits import SMALL_BODY_BYTES, document_body_limit
from docchat.api.errors import echo
from tests.docchat_testkit import create_document, document_count

ALLOWED = "http://localhost:3000"
JSON = {"content-type": "application/json", "origin": ALLOWED}


def _post_raw(client: TestClient, path: str, raw: bytes) -> Any:
    return client.post(path, content=raw, headers=JSON)


# --- what JSON itself lets through: NaN, Infinity, lone surrogates --------------------------------

NOT_A_NUMBER = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"]


@pytest.mark.parametrize("number", NOT_A_NUMBER)
@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/chat/ask", '{"question": %s}'),
        ("/chat/ask", '{"question": "kettle", "top_k": %s}'),
        ("/chat/ask", '{"question": "kettle", "document_ids": [%s]}'),
        ("/chat/ask", '{"question": "kettle", "extra": %s}'),
        ("/documents/", '{"title": %s, "content": "kettles"}'),
        ("/documents/", '{"title": "k", "content": %s}'),
    ],
)
def test_non_finite_numbers_get_a_422_that_names_them(
    client: TestClient, app: FastAPI, path: str, template: str, number: str
) -> None:
    response = _post_raw(client, path, (template % number).encode())

    assert response.status_code == 422, response.text
    assert response.headers["access-control-allow-origin"] == ALLOWED  # CORS kept on errors
    shown = [error["input"] for error in response.json()["detail"]]
    assert any(value in ("NaN", "Infinity", "-Infinity") for value in shown)
    assert document_count(app) == 0


SURROGATE = r"\ud800"


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/chat/ask", '{"question": "%s"}'),
        ("/chat/ask", '{"question": "kettle", "%s": 1}'),  # in a forbidden extra key
        ("/chat/ask", '{"question": "kettle", "document_ids": ["%s"]}'),
        ("/documents/", '{"title": "%s", "content": "kettles"}'),
        ("/documents/", '{"title": "k", "content": "kettles %s boil"}'),
        ("/documents/", '{"title": "k", "content": "kettles", "%s": "x"}'),
    ],
)
@pytest.mark.parametrize("surrogate", [SURROGATE, r"\udfff", r"\ud83d\ud83d"])
def test_lone_surrogates_get_a_422_and_nothing_is_stored(
    client: TestClient, app: FastAPI, path: str, template: str, surrogate: str
) -> None:
    response = _post_raw(client, path, (template % surrogate).encode())

    assert response.status_code == 422, response.text
    assert response.headers["access-control-allow-origin"] == ALLOWED
    json.loads(response.text)  # well-formed: no lone surrogate written out
    assert document_count(app) == 0


def test_a_valid_surrogate_pair_is_an_ordinary_character(client: TestClient) -> None:
    created = _post_raw(
        client, "/documents/", b'{"title": "kettle \\ud83d\\udd25", "content": "Kettles boil."}'
    )

    assert created.status_code == 202, created.text
    assert created.json()["title"] == "kettle \N{FIRE}"


def test_a_huge_invalid_input_is_echoed_briefly(client: TestClient) -> None:
    question = "kettle " * 700_000  # 4.9 MB: over the 64 KiB limit for asks...
    response = client.post("/documents/", json={"title": question, "content": "x"})

    assert response.status_code == 422
    assert len(response.content) < 2_000  # ...not a 5 MB echo
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "title"]
    assert error["input"].startswith("kettle kettle")
    assert error["input"].endswith(f"({len(question)} characters)")


def test_thousands_of_errors_are_reported_as_twenty_and_a_count(client: TestClient) -> None:
    body = {"title": "k", "content": "x", **{f"extra{n}": n for n in range(5000)}}

    response = client.post("/documents/", json=body)

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert len(detail) == 21
    assert detail[-1] == {"type": "too_many_errors", "loc": [], "msg": "5000 errors"}
    assert len(response.content) < 20_000


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (float("nan"), "NaN"),
        (float("-inf"), "-Infinity"),
        (b"\xff\xfebytes", "\\xff\\xfebytes"),
        ("\ud800x", "\\ud800x"),
        (2**80, str(2**80)),
        ({"a": [1, {"b": [2, [3, [4]]]}]}, {"a": [1, {"b": [2, "..."]}]}),
        (list(range(12)), [*range(10), "... 2 more"]),
        (ValueError("bad"), "bad"),
    ],
)
def test_echo_renders_anything_as_json_safe_and_short(value: object, shown: object) -> None:
    assert echo(value) == shown
    json.dumps(echo(value), allow_nan=False).encode("utf-8")  # and it really is


# --- integers that mean an id or a count are integers --------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"question": "kettle", "top_k": "4"},
        {"question": "kettle", "top_k": True},
        {"question": "kettle", "top_k": 4.0},
        {"question": "kettle", "document_ids": ["1"]},
        {"question": "kettle", "document_ids": [True]},
        {"question": "kettle", "document_ids": [1.0]},
    ],
)
def test_ask_takes_json_integers_only(client: TestClient, body: dict[str, Any]) -> None:
    create_document(client, "Kettle", "Kettles boil water.")

    response = client.post("/chat/ask", json=body)

    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["type"] == "int_type"


@pytest.mark.parametrize("value", ["1.0", "true", "+1", " 1", "1_0", "1e1", "0x1", "٣"])
@pytest.mark.parametrize("name", ["skip", "limit"])
def test_pagination_takes_digits_only(client: TestClient, name: str, value: str) -> None:
    response = client.get("/documents/", params={name: value})

    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["query", name]


# --- limits before parsing -----------------------------------------------------------------------


def _chunks(total: int, size: int = 1 << 16) -> Any:
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
@pytest.mark.parametrize(
    ("path", "limit"), [("/chat/ask", SMALL_BODY_BYTES), ("/documents/", document_body_limit(100))]
)
def test_a_body_over_the_limit_is_a_413_that_states_it(
    make_client: Callable[..., TestClient], path: str, limit: int, declared: bool
) -> None:
    client = make_client(max_upload_bytes=100)
    size = limit + 1
    content = b" " * size if declared else _chunks(size)

    response = client.post(path, content=content, headers=JSON)

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/json"
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert f"over the limit of {limit} bytes" in response.json()["detail"]
    assert document_count(client.app) == 0


def test_a_multipart_body_over_the_limit_is_refused_before_it_is_spooled(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(max_upload_bytes=100)
    files = {"file": ("big.txt", b"word " * 200_000, "text/plain")}  # 1 MB

    response = client.post("/documents/upload", files=files)

    assert response.status_code == 413
    assert f"over the limit of {document_body_limit(100)} bytes" in response.json()["detail"]
    assert "DOCCHAT_MAX_UPLOAD_BYTES" in response.json()["detail"]


def test_a_document_at_its_limit_fits_the_body_limit_even_fully_escaped(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(max_upload_bytes=100)
    # 100 bytes of text, escaped as heavily as storable text can be: each 4-byte emoji is
    # a 12-byte surrogate pair on the wire (control characters, escaped more, are refused).
    content = "kettle " + "\U0001f600" * 23 + "x"
    assert len(content.encode()) == 100
    raw = json.dumps({"title": "escaped", "content": content}, ensure_ascii=True).encode()
    assert len(raw) > 2.5 * 100

    response = client.post("/documents/", content=raw, headers=JSON)

    assert response.status_code == 202, response.text


# --- methods -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/documents/", "GET, POST"),
        ("OPTIONS", "/documents/", "GET, POST"),
        ("GET", "/documents/upload", "POST"),
        ("POST", "/documents/1", "GET, DELETE"),
        ("GET", "/chat/ask", "POST"),
    ],
)
def test_a_wrong_method_is_a_405_listing_every_method_the_path_allows(
    client: TestClient, method: str, path: str, allowed: str
) -> None:
    create_document(client, "Kettle", "Kettles boil water.")

    response = client.request(method, path)

    assert response.status_code == 405
    assert response.headers["allow"] == allowed
