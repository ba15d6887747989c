"""Checks for exercise 3: the documents router and the app factory."""

import json
import random
import re
import secrets
from typing import Any

from docchat_lab.grading.expect import about, expect, expect_equal, expect_status
from docchat_lab.grading.prerequisites import NotCheckedError
from docchat_lab.grading.subject import Subject

_WORDS = (
    "kettle teapot harbour lantern meadow quartz saffron tundra violin walnut ember glacier "
    "orchid pylon rivet sorrel thimble umber"
).split()
DOUBLED = "/documents/documents"
FROM_THE_BODY = "title and content must come from the JSON body (a DocumentIn parameter)"
# The check that owns the claim "POST /documents/ answers 201"; the others only need it to work.
CREATES = "test_create_reads_a_json_body_and_answers_201"


def _document() -> dict[str, str]:
    words = random.sample(_WORDS, 3)
    return {
        "title": f"{words[0].title()} {secrets.token_hex(3)}",
        "content": f"Notes on the {words[1]} and the {words[2]}.",
    }


def params() -> dict[str, Any]:
    # Fresh documents each run: an answer that returns canned data cannot pass.
    return {"given": _document()}


def _no_post_route(status: int) -> str:
    if status not in (404, 405):
        return ""
    return (
        f': there is no POST route at /documents/ (on a router whose prefix is "/documents", '
        f'declare it as "/": "/documents" there serves {DOUBLED})'
    )


def _create(ex: Subject, document: dict[str, str], app: str = "router") -> dict[str, Any]:
    """POST the document as JSON; the stored document that came back."""
    response = ex.post("/documents/", json_body=document, app=app)
    response.raise_for_learner_error()
    if response.status_code != 201:
        if response.status_code == 422:
            message = (
                f"POST /documents/ with the JSON body {json.dumps(document)} answered "
                f"{response.summary()}; expected 201: {FROM_THE_BODY}"
            )
        else:
            message = (
                f"POST /documents/ with a JSON body answered {response.summary()}; expected 201"
                + _no_post_route(response.status_code)
            )
        cause = f"POST /documents/ answered {response.status_code}"
        raise NotCheckedError(cause, after=CREATES, message=message)
    stored = response.json()
    expect(
        isinstance(stored, dict) and isinstance(stored.get("id"), int),
        f"POST /documents/ answered 201 with {response.text[:160]!r}; expected the stored "
        "document, with its integer id",
    )
    return dict(stored)


def _openapi_paths(ex: Subject) -> dict[str, Any]:
    response = ex.get("/openapi.json", app="router")
    expect_status(response, 200, why="an app that includes the router of build_documents_router()")
    paths = response.json().get("paths", {})
    return paths if isinstance(paths, dict) else {}


@about("build_documents_router()")
def test_router_serves_its_paths_under_the_prefix_once(ex: Subject) -> None:
    paths = _openapi_paths(ex)
    doubled = sorted(p for p in paths if p.startswith(DOUBLED))
    expect(
        not doubled,
        f"the router serves {', '.join(doubled)}: the prefix was written twice. Under "
        'prefix="/documents", a route\'s own path is "/" or "/{doc_id}", never "/documents"',
    )
    list_methods = set(paths.get("/documents/", {}))
    item_methods = [set(paths[p]) for p in paths if re.fullmatch(r"/documents/\{\w+\}", p)]
    served = {p: sorted(paths[p]) for p in paths if p.startswith("/documents")}
    expect(
        {"get", "post"} <= list_methods and any("get" in methods for methods in item_methods),
        f"an app with the router serves {served or 'no /documents paths'}; expected "
        "/documents/ (get and post) and /documents/{doc_id} (get)",
    )


@about("build_documents_router()")
def test_router_tags_its_routes_documents(ex: Subject) -> None:
    paths = _openapi_paths(ex)
    tags = {
        f"{method.upper()} {path}": operation.get("tags")
        for path, operations in paths.items()
        if path.startswith("/documents")
        for method, operation in operations.items()
        if isinstance(operation, dict)
    }
    expect(bool(tags), "an app with the router serves no /documents paths")
    wrong = [f"{route} has {tag}" for route, tag in tags.items() if tag != ["documents"]]
    expect(
        not wrong,
        f"in the OpenAPI schema, {'; '.join(wrong)} as its tags; expected every route tagged "
        '["documents"]: give the router tags=["documents"]',
    )


@about("build_documents_router()")
def test_no_trailing_slash_redirects_to_the_list(ex: Subject) -> None:
    response = ex.get("/documents", app="router")
    expect_status(
        response,
        307,
        why='the list route is "/" under the prefix, so /documents/ is its URL and /documents '
        "redirects there",
    )
    location = response.headers.get("location") or ""
    expect(
        location.endswith("/documents/"),
        f"GET /documents answered 307 to {location!r}; expected the redirect to go to /documents/",
    )


@about("build_documents_router()")
def test_create_reads_a_json_body_and_answers_201(ex: Subject) -> None:
    document = _document()
    stored = _create(ex, document)
    expect_equal(
        {"title": stored.get("title"), "content": stored.get("content")},
        document,
        "POST /documents/ with a JSON body: title and content of the stored document",
    )


@about("build_documents_router()")
def test_create_ignores_the_query_string(ex: Subject) -> None:
    response = ex.post("/documents/?title=From+the+query&content=Not+from+the+body", app="router")
    response.raise_for_learner_error()
    said = f"POST /documents/?title=...&content=... with no body answered {response.summary()}"
    expect(response.status_code not in (404, 405), said + "; expected 422" + _no_post_route(405))
    expect(
        response.status_code == 422,
        f"{said}; expected 422: {FROM_THE_BODY}, not from the query string",
    )


@about("build_documents_router()")
def test_read_and_list_return_what_was_stored(ex: Subject) -> None:
    first, second = _create(ex, _document()), _create(ex, _document())
    for stored in (first, second):
        response = ex.get(f"/documents/{stored['id']}", app="router")
        expect_status(response, 200, why="that id was just created")
        expect_equal(response.json(), stored, f"GET /documents/{stored['id']}")
    listed = ex.get("/documents/", app="router")
    expect_status(listed, 200)
    documents = listed.json()
    expect(
        isinstance(documents, list),
        f"GET /documents/ answered {listed.summary()}; expected a list",
    )
    expect(
        first in documents
        and second in documents
        and documents.index(first) < documents.index(second),
        "GET /documents/ does not list the two documents just created, oldest first",
    )


@about("build_documents_router()")
def test_unknown_id_is_a_404_with_a_json_detail(ex: Subject) -> None:
    doc_id = random.randint(10_000, 10**9)
    response = ex.get(f"/documents/{doc_id}", app="router")
    expect_status(response, 404, why="no document has that id")
    body = response.json()
    detail = body.get("detail") if isinstance(body, dict) else None
    expect(
        isinstance(detail, str) and str(doc_id) in detail,
        f"GET /documents/{doc_id} answered 404 with {body!r}; expected a JSON detail that names "
        f"the id, e.g. {{'detail': 'document {doc_id} not found'}}",
    )


@about("create_app()")
def test_create_app_serves_the_router_and_health(ex: Subject) -> None:
    health = ex.get("/health")
    expect_status(health, 200, why="create_app() adds GET /health")
    expect_equal(health.json(), {"status": "ok"}, "GET /health")
    listed = ex.get("/documents/")
    expect_status(listed, 200, why="create_app() includes the documents router")
    expect(
        isinstance(listed.json(), list),
        f"GET /documents/ answered {listed.summary()}; expected a list",
    )


@about("create_app()")
def test_each_app_gets_its_own_store(ex: Subject) -> None:
    stored = _create(ex, _document(), app="main")
    listed = ex.get("/documents/", app="second")
    expect_status(listed, 200, why="a second app from create_app()")
    titles = [d.get("title") for d in listed.json() if isinstance(d, dict)]
    expect(
        stored["title"] not in titles,
        "a document POSTed to one app from create_app() is listed by a second app from "
        "create_app(): both share one store; expected each call to give its app a new "
        "DocumentStore (beware: a default argument is evaluated once, not on every call)",
    )


@about("create_app()")
def test_create_app_uses_the_store_it_is_given(ex: Subject) -> None:
    given = ex.params["given"]
    response = ex.get("/documents/", app="given")
    expect_status(response, 200)
    found = [
        {"title": d.get("title"), "content": d.get("content")}
        for d in response.json()
        if isinstance(d, dict)
    ]
    expect(
        given in found,
        "create_app(store) with a store holding one document: GET /documents/ does not list "
        "it; expected the app to keep the store it was given on app.state.store",
    )
