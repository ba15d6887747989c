"""What the OpenAPI fuzzer (test_fuzz_openapi.py) found, kept as plain tests.

Both findings were 500s: integers past 64 bits reached SQLite, which raised OverflowError.
Each test's comment names what the fuzzer sent; the others pin the edges of the fixes.
"""

from fastapi.testclient import TestClient

from docchat.schemas import MAX_ID

BEYOND_64_BITS = 2**63  # one more than SQLite's largest INTEGER


def _error_locations(body: dict) -> list[list]:
    return [error["loc"] for error in body["detail"]]


def test_list_documents_rejects_skip_beyond_64_bits(memory_client: TestClient) -> None:
    # GET /documents/?skip=9223372036854775808: OverflowError inside SQLite, a 500.
    response = memory_client.get("/documents/", params={"skip": BEYOND_64_BITS})
    assert response.status_code == 422, response.text
    assert _error_locations(response.json()) == [["query", "skip"]]


def test_list_chunks_rejects_skip_beyond_64_bits(memory_client: TestClient) -> None:
    # Same pagination dependency, second route that uses it.
    created = memory_client.post("/documents/", json={"title": "t", "content": "kettles boil"})
    document_id = created.json()["id"]
    response = memory_client.get(
        f"/documents/{document_id}/chunks", params={"skip": BEYOND_64_BITS}
    )
    assert response.status_code == 422, response.text
    assert _error_locations(response.json()) == [["query", "skip"]]


def test_largest_skip_allowed_is_an_empty_page(memory_client: TestClient) -> None:
    response = memory_client.get("/documents/", params={"skip": MAX_ID})
    assert response.status_code == 200, response.text
    assert response.json() == []


def test_ask_rejects_document_id_beyond_64_bits(memory_client: TestClient) -> None:
    # POST /chat/ask {"question": "0", "document_ids": [9223372036854775808]}: OverflowError, a 500.
    response = memory_client.post(
        "/chat/ask", json={"question": "kettles", "document_ids": [BEYOND_64_BITS]}
    )
    assert response.status_code == 422, response.text
    assert _error_locations(response.json()) == [["body", "document_ids", 0]]


def test_ask_with_unknown_but_valid_document_id_is_still_a_404(memory_client: TestClient) -> None:
    response = memory_client.post(
        "/chat/ask", json={"question": "kettles", "document_ids": [MAX_ID]}
    )
    assert response.status_code == 404, response.text
    assert response.json() == {"detail": f"unknown document ids: [{MAX_ID}]"}


def test_ask_rejects_document_id_zero_like_the_path_does(memory_client: TestClient) -> None:
    # Part of the same fix: a document id in a body has the bounds of one in a path.
    response = memory_client.post("/chat/ask", json={"question": "kettles", "document_ids": [0]})
    assert response.status_code == 422, response.text
    assert memory_client.get("/documents/0").status_code == 422
