"""DocChat's API, tested from the outside: each test gets `client`, a DocChat of its own.

These tests use nothing but `client`, so the same tests can run against any DocChat: yours, or
one with a bug in it. Each test says in its docstring what it must show.
"""

from typing import Any

from fastapi.testclient import TestClient


def create(client: TestClient, title: str, content: str = "Descale the kettle monthly.") -> Any:
    """POST a document and return the JSON the API answered with."""
    response = client.post("/documents/", json={"title": title, "content": content})
    assert response.status_code == 202, response.text
    return response.json()


def test_a_new_document_is_accepted_and_pending(client: TestClient) -> None:
    """POST /documents/ answers 202 with an integer id and the status "pending"."""
    ### BEGIN SOLUTION 08
    response = client.post("/documents/", json={"title": "Kettle", "content": "Descale it."})
    assert response.status_code == 202
    body = response.json()
    assert isinstance(body["id"], int)
    assert body["status"] == "pending"
    ### END SOLUTION


def test_a_document_can_be_read_back_by_its_id(client: TestClient) -> None:
    """Of two new documents, GET /documents/{id} of the second gives the second's title."""
    ### BEGIN SOLUTION 08
    create(client, "First")
    second = create(client, "Second")
    response = client.get(f"/documents/{second['id']}")
    assert response.status_code == 200
    assert response.json()["title"] == "Second"
    ### END SOLUTION


def test_an_unknown_id_is_a_json_404(client: TestClient) -> None:
    """GET /documents/999 answers 404 with a JSON `detail`, never `200 null`."""
    ### BEGIN SOLUTION 08
    response = client.get("/documents/999")
    assert response.status_code == 404
    assert "999" in response.json()["detail"]
    ### END SOLUTION


def test_pages_skip_and_limit(client: TestClient) -> None:
    """With three documents, ?skip=1&limit=1 lists exactly the second."""
    ### BEGIN SOLUTION 08
    for title in ("One", "Two", "Three"):
        create(client, title)
    response = client.get("/documents/", params={"skip": 1, "limit": 1})
    assert response.status_code == 200
    assert [d["title"] for d in response.json()] == ["Two"]
    ### END SOLUTION


def test_a_page_out_of_bounds_is_a_422_that_names_the_parameter(client: TestClient) -> None:
    """limit=0, limit=101 and skip=-1 each answer 422, pointing at the query parameter."""
    ### BEGIN SOLUTION 08
    for params, name in (
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"skip": -1}, "skip"),
    ):
        response = client.get("/documents/", params=params)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", name]
    ### END SOLUTION


def test_a_deleted_document_is_gone(client: TestClient) -> None:
    """DELETE answers 204; then GET of that id is a 404."""
    ### BEGIN SOLUTION 08
    document = create(client, "Old")
    assert client.delete(f"/documents/{document['id']}").status_code == 204
    assert client.get(f"/documents/{document['id']}").status_code == 404
    ### END SOLUTION


def test_a_document_becomes_ready_and_answers_questions(client: TestClient) -> None:
    """After a POST, the document is ready, and /chat/ask answers from it and cites it.

    TestClient runs background tasks before the POST returns, so no polling is needed.
    """
    ### BEGIN SOLUTION 08
    document = create(client, "Kettle", "Descale the kettle every month with vinegar.")
    assert client.get(f"/documents/{document['id']}").json()["status"] == "ready"
    response = client.post("/chat/ask", json={"question": "How often do I descale the kettle?"})
    assert response.status_code == 200
    body = response.json()
    assert "[1]" in body["answer"]
    assert body["sources"][0]["document_id"] == document["id"]
    ### END SOLUTION


def test_an_empty_question_is_a_422(client: TestClient) -> None:
    """POST /chat/ask with a blank question answers 422."""
    ### BEGIN SOLUTION 08
    response = client.post("/chat/ask", json={"question": "   "})
    assert response.status_code == 422
    ### END SOLUTION
