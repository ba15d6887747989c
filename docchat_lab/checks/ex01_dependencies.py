"""Checks for exercise 1: the pagination and API-key dependencies."""

import random
import secrets
from typing import Any

from docchat_lab.grading.expect import about, expect_equal, expect_status
from docchat_lab.grading.subject import Subject


def params() -> dict[str, Any]:
    # Fresh keys each run: a key written into the answer cannot pass.
    return {"keys": [secrets.token_urlsafe(12), secrets.token_urlsafe(12)]}


@about("pagination()")
def test_pagination_defaults(ex: Subject) -> None:
    response = ex.get("/page")
    expect_status(response, 200)
    expect_equal(response.json(), {"skip": 0, "limit": 20}, "GET /page with no query string")


@about("pagination()")
def test_pagination_reads_the_query(ex: Subject) -> None:
    skip, limit = random.randint(1, 500), random.randint(1, 99)
    response = ex.get(f"/page?skip={skip}&limit={limit}")
    expect_status(response, 200)
    expect_equal(
        response.json(), {"skip": skip, "limit": limit}, f"GET /page?skip={skip}&limit={limit}"
    )


@about("pagination()")
def test_pagination_rejects_negative_skip(ex: Subject) -> None:
    # The positive control first: a route that refuses every request must not pass.
    expect_status(ex.get("/page?skip=5"), 200, why="skip=5 is a valid page")
    expect_status(ex.get("/page?skip=-1"), 422, why="skip must be >= 0")


@about("pagination()")
def test_pagination_limit_bounds(ex: Subject) -> None:
    expect_status(ex.get("/page?limit=0"), 422, why="limit must be at least 1")
    expect_status(ex.get("/page?limit=101"), 422, why="limit must be at most 100")
    response = ex.get("/page?limit=100")
    expect_status(response, 200, why="100 is the largest allowed limit")
    expect_equal(response.json().get("limit"), 100, "GET /page?limit=100, field limit")


@about("require_api_key()")
def test_api_key_missing_is_401(ex: Subject) -> None:
    response = ex.get("/key")
    expect_status(response, 401, why="no X-API-Key header")
    expect_equal(
        response.json().get("detail"), "missing API key", "GET /key without a key, field detail"
    )


@about("require_api_key()")
def test_api_key_wrong_is_403(ex: Subject) -> None:
    response = ex.get("/key", headers={"X-API-Key": "not-" + secrets.token_hex(4)})
    expect_status(response, 403, why="a key that is not accepted")
    expect_equal(
        response.json().get("detail"), "invalid API key", "GET /key with a wrong key, field detail"
    )


@about("require_api_key()")
def test_api_key_comes_from_the_overridable_dependency(ex: Subject) -> None:
    key = random.choice(ex.params["keys"])
    response = ex.get("/key", headers={"X-API-Key": key})
    expect_status(
        response,
        200,
        why="the key is one that get_api_keys() returns (swapped in with dependency_overrides)",
    )
    expect_equal(response.json(), {"key": key}, "GET /key with an accepted key")
    expect_status(
        ex.get("/key", headers={"X-API-Key": "dev-key"}),
        403,
        why="'dev-key' is not among the overriding keys: read the keys parameter, not a constant",
    )


@about("PageDep, ApiKeyDep")
def test_annotated_aliases_work_in_a_route(ex: Subject) -> None:
    key = ex.params["keys"][0]
    response = ex.get("/documents?skip=3&limit=7", app="aliases", headers={"X-API-Key": key})
    expect_status(response, 200)
    expect_equal(
        response.json(),
        {"skip": 3, "limit": 7, "key": key},
        "a route declared as `def documents(page: PageDep, key: ApiKeyDep)`",
    )
    expect_status(
        ex.get("/documents", app="aliases"), 401, why="a route using ApiKeyDep, no key sent"
    )
