"""Checks for exercise 6: an upload that answers 202 and is processed in a background task."""

import math
import random
import secrets
from typing import Any

from docchat_lab.grading.expect import about, expect, expect_equal, expect_status
from docchat_lab.grading.protocol import ProtocolError, parse_json
from docchat_lab.grading.subject import Response, Subject

WORDS = (
    "retrieval chunk index answer question source cite passage model vector token "
    "embedding summary context prompt latency upload status queue worker"
).split()
STILL_PENDING = (
    "the document is still 'pending' after its background task ran, so the task's changes never "
    "reached the database: queue process_document with the document's id, and let it open its "
    "own session with SessionLocal() (the request's session is closed by the time the task runs)"
)


def params() -> dict[str, Any]:
    # The chunk size and the marker that makes chunking fail change every run.
    return {"words_per_chunk": random.randint(3, 7), "marker": f"UNREADABLE-{secrets.token_hex(4)}"}


def _text(extra: str = "") -> str:
    words = [f"doc-{secrets.token_hex(4)}", *random.choices(WORDS, k=random.randint(11, 40))]
    if extra:
        words.insert(random.randint(1, len(words)), extra)
    return " ".join(words)


def _title() -> str:
    return f"Notes {secrets.token_hex(3)}"


def _chunks(ex: Subject, text: str) -> int:
    return math.ceil(len(text.split()) / int(ex.params["words_per_chunk"]))


def _post(ex: Subject, title: str, content: str) -> tuple[Response, int, str]:
    """POST a document: the response, the new id, and what its background task raised."""
    response = ex.post("/documents/", json_body={"title": title, "content": content})
    task_error = ""
    if response.exception is not None and response.status_code < 400:
        # The response went out fine; the exception came after it, from the background task.
        exception = response.exception
        task_error = f"{exception.get('type')}: {str(exception.get('message'))[:200]}"
    else:
        expect_status(response, (200, 201, 202), why="a valid title and content")
    try:
        body = parse_json(response.content)
    except ProtocolError:
        body = None
    document_id = body.get("id") if isinstance(body, dict) else None
    expect(
        isinstance(document_id, int) and not isinstance(document_id, bool),
        f"POST /documents/ answered {response.summary()}; expected a JSON object with the "
        "new document's integer id",
    )
    return response, int(document_id or 0), task_error


def _read(ex: Subject, document_id: int) -> dict[str, Any]:
    response = ex.get(f"/documents/{document_id}")
    expect_status(response, 200, why="the id the POST answered with")
    body = response.json()
    expect(
        isinstance(body, dict),
        f"GET /documents/{document_id} answered {response.summary()}; expected a JSON object",
    )
    return dict(body)


def _expect_status_after_task(
    ex: Subject, document_id: int, wanted: str, task_error: str
) -> dict[str, Any]:
    body = _read(ex, document_id)
    got = body.get("status")
    if got != wanted:
        why = {
            "pending": STILL_PENDING,
            "processing": "the document is stuck in 'processing': process_document must catch the "
            "error, roll back and record status 'failed'",
        }.get(str(got), "")
        raised = f" (the background task raised {task_error})" if task_error else ""
        expect(
            False,
            f"GET /documents/{document_id} after the POST gave status {got!r}; expected "
            f"{wanted!r}{raised}" + (f": {why}" if why else ""),
        )
    return body


@about("create_document()")
def test_post_answers_202_pending(ex: Subject) -> None:
    response = ex.post("/documents/", json_body={"title": _title(), "content": _text()})
    expect_status(response, 202, why="202 Accepted: stored, and processing has not finished yet")
    body = response.json()
    expect(
        isinstance(body, dict) and isinstance(body.get("id"), int),
        f"POST /documents/ answered {response.summary()}; "
        "expected {'id': <int>, 'status': 'pending'}",
    )
    expect_equal(body.get("status"), "pending", "POST /documents/, field status")


@about("create_document()")
def test_post_stores_the_document_under_that_id(ex: Subject) -> None:
    before = ex.call("count")
    title, content = _title(), _text()
    _, document_id, _ = _post(ex, title, content)
    row = ex.call("stored", document_id=document_id)
    expect(
        row is not None,
        f"POST /documents/ answered id {document_id}, but the database holds "
        "no document with that id: commit it, and answer with document.id",
    )
    expect_equal(
        [row["title"], row["content"]],
        [title, content],
        f"the title and content stored under id {document_id}",
    )
    expect_equal(ex.call("count"), before + 1, "the number of stored documents after one POST")


@about("create_document()")
def test_processing_runs_after_the_response(ex: Subject) -> None:
    _, document_id, _ = _post(ex, _title(), _text())
    seen = ex.call("trace", document_id=document_id)
    expect(
        seen is not None,
        f"POST /documents/ (id {document_id}): split_into_chunks was never "
        "called with its content; expected process_document to chunk it",
    )
    expect(
        bool(seen.get("responded")),
        f"POST /documents/ (id {document_id}): the document was chunked before the response was "
        "sent; expected tasks.add_task(process_document, document.id), which runs afterwards",
    )


@about("create_document()", "process_document()")
def test_document_is_ready_with_its_chunk_count(ex: Subject) -> None:
    title, content = _title(), _text()
    _, document_id, task_error = _post(ex, title, content)
    body = _expect_status_after_task(ex, document_id, "ready", task_error)
    expected = {
        "id": document_id,
        "title": title,
        "status": "ready",
        "chunk_count": _chunks(ex, content),
        "error": None,
    }
    actual = {key: body.get(key) for key in expected}
    expect_equal(actual, expected, f"GET /documents/{document_id} after processing")


@about("process_document()")
def test_failing_document_ends_failed_and_later_ones_still_process(ex: Subject) -> None:
    marker = ex.params["marker"]
    _, bad_id, task_error = _post(ex, _title(), _text(extra=marker))
    body = _expect_status_after_task(ex, bad_id, "failed", task_error)
    error = body.get("error")
    expect(
        isinstance(error, str) and marker in error,
        f"GET /documents/{bad_id}: error is {error!r}; expected a readable reason holding the "
        "exception's message (the chunker said it cannot split the text)",
    )
    expect_equal(body.get("chunk_count"), 0, f"GET /documents/{bad_id}, field chunk_count")
    content = _text()
    _, good_id, task_error = _post(ex, _title(), content)
    body = _expect_status_after_task(ex, good_id, "ready", task_error)
    expect_equal(
        body.get("chunk_count"),
        _chunks(ex, content),
        f"GET /documents/{good_id} (posted after a failed one), field chunk_count",
    )


@about("process_document()")
def test_process_document_works_on_its_own(ex: Subject) -> None:
    content = _text()
    result = ex.call("process", title=_title(), content=content)
    call = "process_document(id) called outside any request"
    expect(result["raised"] is None, f"{call} raised {result['raised']}")
    row = result["row"] or {}
    expect_equal(
        [row.get("status"), row.get("chunk_count")],
        ["ready", _chunks(ex, content)],
        f"{call}: the stored [status, chunk_count]",
    )
    opened, closed = result["sessions_opened"], result["sessions_closed"]
    expect(
        opened >= 1, f"{call} opened no session with SessionLocal(); expected it to open its own"
    )
    expect(
        closed == opened,
        f"{call} opened {opened} session(s) and closed {closed}; expected "
        "`with SessionLocal() as db:` so it is always closed",
    )
    missing = ex.call("process_missing", document_id=random.randint(10**6, 10**7))
    expect(
        missing["raised"] is None,
        f"process_document(<an id no document has>) raised "
        f"{missing['raised']}; expected it to return quietly",
    )


@about("process_document()")
def test_status_is_processing_while_chunking(ex: Subject) -> None:
    result = ex.call("process", title=_title(), content=_text())
    expect(result["raised"] is None, f"process_document(id) raised {result['raised']}")
    seen = result["trace"]
    expect(
        seen is not None,
        "process_document(id) never called split_into_chunks with the document's content",
    )
    expect_equal(
        seen.get("status_seen"),
        "processing",
        "the status another session read while split_into_chunks ran (commit 'processing' "
        "before the slow work)",
    )


@about("read_document()")
def test_unknown_id_is_404(ex: Subject) -> None:
    missing = random.randint(10**6, 10**7)
    response = ex.get(f"/documents/{missing}")
    expect_status(response, 404, why="no document has that id")
    body = response.json()
    expect(
        isinstance(body, dict) and "detail" in body,
        f"GET /documents/<unknown id> answered {response.summary()}; expected HTTPException's "
        "{'detail': ...}",
    )


@about("DocumentIn", "create_document()")
def test_empty_title_or_content_is_422_and_nothing_stored(ex: Subject) -> None:
    before = ex.call("count")
    cases = [
        ({"title": "", "content": _text()}, "an empty title"),
        ({"title": _title(), "content": ""}, "empty content"),
        ({"title": "x" * 201, "content": _text()}, "a title of 201 characters"),
        ({"title": _title()}, "no content at all"),
    ]
    for body, what in cases:
        expect_status(ex.post("/documents/", json_body=body), 422, why=what)
    expect_equal(ex.call("count"), before, "the number of stored documents after refused POSTs")
