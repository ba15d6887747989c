"""Checks for stage 01: `pagination` and `get_document` in my_docchat/api/deps.py."""

import random
import secrets
from typing import Any

from docchat.schemas import MAX_ID
from docchat_lab.grading.expect import about, expect, expect_equal, expect_status
from docchat_lab.grading.subject import CheckFailedError, Response, Subject

_WORDS = "harbour lantern meadow quartz saffron tundra violin walnut ember glacier".split()


def params() -> dict[str, Any]:
    # Fresh titles each run: only code that reads the database can name them.
    documents = [
        {"title": f"{random.choice(_WORDS).title()} notes {secrets.token_hex(3)}", "content": "x y"}
        for _ in range(3)
    ]
    return {"documents": documents}


def _page(ex: Subject, query: str) -> Response:
    return ex.get(f"/page{query}")


def _loc(response: Response) -> list[Any] | None:
    """Where FastAPI's 422 says the problem is: ["query", "skip"], say."""
    body = response.json()
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        loc = detail[0].get("loc")
        return loc if isinstance(loc, list) else None
    return None


def _expect_page(ex: Subject, query: str, skip: int, limit: int) -> None:
    response = _page(ex, query)
    expect_status(response, 200, why="a valid page")
    expect_equal(response.json(), {"skip": skip, "limit": limit}, f"GET /page{query}")


def _expect_422_at(ex: Subject, query: str, name: str) -> None:
    # A positive control first: a route that refuses everything must not pass.
    _expect_page(ex, "?skip=5&limit=10", 5, 10)
    response = _page(ex, query)
    expect_status(response, 422, why=f"{name} is out of its bounds")
    expect_equal(_loc(response), ["query", name], f"the 422 of GET /page{query} points at")


@about("pagination")
def test_pagination_defaults(ex: Subject) -> None:
    _expect_page(ex, "", 0, 20)


@about("pagination")
def test_pagination_reads_the_query_string(ex: Subject) -> None:
    skip, limit = random.randint(1, 500), random.randint(1, 100)
    _expect_page(ex, f"?skip={skip}&limit={limit}", skip, limit)
    _expect_page(ex, f"?limit={limit}", 0, limit)


@about("pagination")
def test_negative_skip_is_a_422(ex: Subject) -> None:
    _expect_422_at(ex, f"?skip=-{random.randint(1, 9)}", "skip")


@about("pagination")
def test_limit_runs_from_1_to_100(ex: Subject) -> None:
    _expect_page(ex, "?limit=1", 0, 1)
    _expect_page(ex, "?limit=100", 0, 100)
    _expect_422_at(ex, "?limit=0", "limit")
    _expect_422_at(ex, "?limit=101", "limit")


@about("pagination")
def test_a_skip_past_max_id_is_a_422_not_a_500(ex: Subject) -> None:
    _expect_page(ex, f"?skip={MAX_ID}", MAX_ID, 20)
    _expect_422_at(ex, f"?skip={MAX_ID + 1}", "skip")
    _expect_422_at(ex, f"?skip={2**64}", "skip")


@about("get_document")
def test_get_document_hands_over_the_stored_document(ex: Subject) -> None:
    documents = ex.params["documents"]
    for number in random.sample(range(len(documents)), 2):
        response = ex.get(f"/documents/{number + 1}")
        expect_status(response, 200, why=f"document {number + 1} is stored")
        expect_equal(
            response.json().get("title"),
            documents[number]["title"],
            f"GET /documents/{number + 1}: the title of the document get_document returned",
        )


@about("get_document")
def test_an_unknown_id_is_a_404_that_names_it(ex: Subject) -> None:
    missing = random.randint(1000, 10**9)
    response = ex.get(f"/documents/{missing}")
    response.raise_for_learner_error()
    if response.status_code == 200:
        raise CheckFailedError(
            f"GET /documents/{missing} answered {response.summary()}; expected 404: the id is "
            "not stored, so session.get() returned None, and None must become a 404"
        )
    expect_status(response, 404)
    detail = response.json().get("detail")
    expect(
        isinstance(detail, str) and str(missing) in detail,
        f"GET /documents/{missing} answered 404 with detail {detail!r}; expected a detail "
        f"that names {missing}",
    )


@about("get_document")
def test_an_id_below_1_is_a_422(ex: Subject) -> None:
    expect_status(ex.get("/documents/1"), 200, why="document 1 is stored")
    for bad in ("0", "-3"):
        response = ex.get(f"/documents/{bad}")
        expect_status(response, 422, why="ids start at 1")
