"""Checks for stage 03: the documents routes in my_docchat/api/routes/documents.py, served by
the learner's create_app. App "main" starts empty; "listing" holds the judge's documents."""

import random
import secrets
from typing import Any

from docchat_lab.grading.expect import about, expect, expect_equal, expect_status
from docchat_lab.grading.subject import Response, Subject

_WORDS = "harbour lantern meadow quartz saffron tundra violin walnut ember glacier".split()


def _title() -> str:
    return f"{random.choice(_WORDS).title()} notes {secrets.token_hex(3)}"


def params() -> dict[str, Any]:
    # Fresh titles, a fresh number of them and a fresh byte limit: nothing can be hard-coded.
    count = random.randint(5, 9)
    return {
        "max_upload_bytes": random.randint(200, 400),
        "documents": [{"title": _title(), "content": f"text {n}"} for n in range(count)],
    }


def _create(ex: Subject, title: str, content: str = "Some text to chunk.") -> Response:
    return ex.post("/documents/", json_body={"title": title, "content": content})


def _created(ex: Subject, title: str, content: str = "Some text to chunk.") -> dict[str, Any]:
    response = _create(ex, title, content)
    expect_status(response, 202, why="a document is accepted, and processed in the background")
    body: dict[str, Any] = response.json()
    expect_equal(body.get("title"), title, "POST /documents/: the title in the answer")
    return body


def _titles(ex: Subject, query: str = "") -> list[Any]:
    response = ex.get(f"/documents/{query}", app="listing")
    expect_status(response, 200, why="listing documents")
    body = response.json()
    expect(isinstance(body, list), f"{response.request} answered {body!r}; expected a JSON list")
    return [item.get("title") if isinstance(item, dict) else item for item in body]


def _seeded(ex: Subject) -> list[str]:
    return [d["title"] for d in ex.params["documents"]]


@about("create_document")
def test_create_document_answers_202_with_the_pending_document(ex: Subject) -> None:
    title = _title()
    body = _created(ex, title)
    expect_equal(body.get("status"), "pending", "POST /documents/: the status in the answer")
    expect(isinstance(body.get("id"), int), f"POST /documents/ answered {body!r}; expected an id")
    read = ex.get(f"/documents/{body['id']}")
    expect_status(read, 200, why="the document POST /documents/ just stored")
    expect_equal(read.json().get("title"), title, f"{read.request}: the title")


def _handed_over(ex: Subject) -> list[dict[str, Any]]:
    # The "listing" app's start-up may hand over its seeded documents: not the route's doing.
    return [task for task in ex.call("queued") if task.get("to") != "listing"]


@about("create_document")
def test_create_document_queues_processing_of_its_id(ex: Subject) -> None:
    before = len(_handed_over(ex))
    body = _created(ex, _title())
    queued = _handed_over(ex)[before:]
    expect(
        len(queued) == 1,
        f"POST /documents/ handed {len(queued)} documents over for processing; expected one: "
        "tasks.add_task(processor, document.id)",
    )
    task, new_id = queued[0], body["id"]
    expect(
        task.get("to") == "main",
        f"POST /documents/ called {task.get('to')} itself; expected it to hand the document to "
        "the app's processor (`processor: ProcessorDep`): the app decides where documents are "
        "processed (its own threads, or a queue), and the route only hands over the id",
    )
    expect(
        task.get("args") == [new_id] and not task.get("kwargs"),
        f"POST /documents/ called the processor with {task.get('args')} "
        f"{task.get('kwargs') or ''}; expected only the new document's id, {new_id}: the "
        "processor loads the document itself, in a session of its own",
    )
    expect(
        task.get("inline") is False,
        "POST /documents/ called the processor inside the route, so the client waits for the "
        "processing; expected it queued with tasks.add_task, to run after the response",
    )


@about("create_document")
def test_content_over_the_byte_limit_is_a_413(ex: Subject) -> None:
    limit = ex.params["max_upload_bytes"]
    _created(ex, _title(), "a" * limit)  # exactly the limit is fine
    # Two bytes per "é": fewer characters than the limit, more bytes.
    content = "é" * (limit // 2 + 1)
    response = _create(ex, _title(), content)
    expect_status(
        response,
        413,
        why=f"the content is {len(content.encode())} bytes in UTF-8 ({len(content)} characters), "
        f"over max_upload_bytes={limit}: count bytes, not characters",
    )
    detail = response.json().get("detail")
    expect(
        isinstance(detail, str) and str(limit) in detail,
        f"POST /documents/ answered 413 with detail {detail!r}; expected it to state the "
        f"limit, {limit} (use _too_large)",
    )


@about("list_documents")
def test_list_documents_pages_in_id_order(ex: Subject) -> None:
    titles = _seeded(ex)
    expect_equal(_titles(ex), titles, "GET /documents/: the titles")
    skip, limit = random.randint(1, len(titles) - 2), random.randint(1, 3)
    query = f"?skip={skip}&limit={limit}"
    expect_equal(_titles(ex, query), titles[skip : skip + limit], f"GET /documents/{query}")
    expect_equal(_titles(ex, f"?skip={len(titles)}"), [], f"GET /documents/?skip={len(titles)}")


@about("list_documents")
def test_a_limit_over_100_is_a_422_at_query_limit(ex: Subject) -> None:
    expect_equal(len(_titles(ex, "?limit=100")), len(_seeded(ex)), "GET /documents/?limit=100")
    response = ex.get("/documents/?limit=101", app="listing")
    expect_status(response, 422, why="limit runs from 1 to 100 (your pagination, stage 01)")
    detail = response.json().get("detail")
    first = detail[0] if isinstance(detail, list) and detail else None
    loc = first.get("loc") if isinstance(first, dict) else None
    expect_equal(loc, ["query", "limit"], "GET /documents/?limit=101: detail[0]['loc']")


@about("read_document")
def test_read_document_returns_the_document_or_a_404(ex: Subject) -> None:
    titles = _seeded(ex)
    number = random.randint(1, len(titles))
    response = ex.get(f"/documents/{number}", app="listing")
    expect_status(response, 200, why=f"document {number} is stored")
    expect_equal(response.json().get("title"), titles[number - 1], f"{response.request}: title")
    missing = random.randint(1000, 10**9)
    unknown = ex.get(f"/documents/{missing}", app="listing")
    expect_status(unknown, 404, why=f"no document {missing} is stored")
    detail = unknown.json().get("detail")
    expect(
        isinstance(detail, str) and str(missing) in detail,
        f"{unknown.request} answered 404 with detail {detail!r}; expected one naming {missing}",
    )


@about("delete_document")
def test_delete_document_answers_204_then_the_document_is_gone(ex: Subject) -> None:
    doomed, kept = _created(ex, _title())["id"], _created(ex, _title())["id"]
    deleted = ex.delete(f"/documents/{doomed}")
    expect_status(deleted, 204, why="a deleted document: no content")
    expect_equal(deleted.text, "", f"{deleted.request}: the body of the 204")
    expect_status(ex.get(f"/documents/{doomed}"), 404, why=f"document {doomed} was deleted")
    expect_status(ex.delete(f"/documents/{doomed}"), 404, why="it is already gone")
    expect_status(ex.get(f"/documents/{kept}"), 200, why="only the named document goes")


@about("create_app")
def test_each_app_from_create_app_serves_the_router_on_its_own_data(ex: Subject) -> None:
    redirect = ex.get("/documents", app="listing")
    expect_status(redirect, 307, why="the route is the router's root, `/documents/`")
    expect_equal(redirect.headers.get("location"), "http://testserver/documents/", "Location")
    schema = ex.get("/openapi.json").json()
    paths = schema.get("paths", {}) if isinstance(schema, dict) else {}
    expect_equal(
        sorted(set(paths.get("/documents/", {})) & {"get", "post"}), ["get", "post"], "/documents/"
    )
    one = paths.get("/documents/{document_id}", {})
    expect_equal(sorted(set(one) & {"delete", "get"}), ["delete", "get"], "/documents/{id}")
    listed = ex.get("/documents/?limit=100")
    expect_status(listed, 200)
    mine = {d.get("title") for d in listed.json() if isinstance(d, dict)}
    expect(
        not mine & set(_seeded(ex)),
        "the empty app lists the other app's documents: each create_app() call must have its "
        "own database",
    )
