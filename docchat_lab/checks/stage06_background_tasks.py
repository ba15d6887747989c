"""Checks for stage 06: process_document and recover_unfinished in services/processing.py."""

import random
import secrets
from typing import Any

from docchat.services.chunking import split_into_chunks
from docchat_lab.grading.expect import about, expect, expect_equal, expect_status
from docchat_lab.grading.protocol import ProtocolError, parse_json
from docchat_lab.grading.subject import Subject

WORDS = (
    "kettle descale filter harbour lantern meadow quartz saffron tundra violin walnut ember "
    "glacier invoice refund warranty battery charger hinge ledger parcel voucher"
).split()
NOISE = ["?!", "...", "a", "I", "--", ";)", "the", "of", "and", "to", "!!!"]  # nothing to search
FINISHED = ("ready", "failed")


def _text() -> str:
    """Fresh sentences every run: only code that really chunks them can get their chunks."""
    sentences = [
        " ".join([secrets.token_hex(3), *random.choices(WORDS, k=random.randint(4, 14))]) + "."
        for _ in range(random.randint(6, 14))
    ]
    return "\n\n".join(" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3))


def _left_behind() -> list[dict[str, Any]]:
    statuses = ["pending", "processing", "ready", "failed"]
    statuses += random.choices(statuses, k=random.randint(1, 4))
    random.shuffle(statuses)
    return [
        {
            "title": f"Left behind {secrets.token_hex(2)}",
            "content": _text(),
            "status": status,
            "error": "an old reason" if status == "failed" else None,
        }
        for status in statuses
    ]


def params() -> dict[str, Any]:
    return {
        "chunk_size": random.randint(120, 300),
        "chunk_overlap": random.randint(0, 40),
        "bug_marker": f"TRIP-{secrets.token_hex(4)}",
        "db_marker": f"DISK-{secrets.token_hex(4)}",
        "left_behind": _left_behind(),
    }


def _chunks(ex: Subject, content: str) -> list[str]:
    return split_into_chunks(content, ex.params["chunk_size"], ex.params["chunk_overlap"])


STILL = {
    "pending": "still 'pending' after its background task ran: process_document did not process "
    "it (it should run _index, through retry_while_busy)",
    "processing": "left 'processing': an exception escaped process_document, and nothing "
    "recorded where the document ended; catch it and _settle the document",
}


def _post(ex: Subject, content: str) -> tuple[int, str]:
    """POST a document: its id, and what its background task raised (said as a clause)."""
    title = f"Notes {secrets.token_hex(3)}"
    response = ex.post("/documents/", json_body={"title": title, "content": content})
    raised = ""
    if response.exception is not None and response.status_code < 400:
        # The answer went out fine; the exception came afterwards, from the background task.
        exception = response.exception
        raised = f" (the background task raised {exception.get('type')}: "
        raised += f"{str(exception.get('message'))[:200]})"
    else:
        expect_status(response, 202, why="a valid title and content: stored, processed later")
    try:
        body = parse_json(response.content)
    except ProtocolError:
        body = None
    document_id = body.get("id") if isinstance(body, dict) else None
    expect(
        isinstance(document_id, int) and not isinstance(document_id, bool),
        f"POST /documents/ answered {response.summary()}; expected the new document's id",
    )
    expect_equal(body.get("status"), "pending", "POST /documents/: the status in the answer")
    return int(document_id or 0), raised


def _read(ex: Subject, document_id: int) -> dict[str, Any]:
    response = ex.get(f"/documents/{document_id}")
    expect_status(response, 200, why="the id the POST answered with")
    body = response.json()
    expect(isinstance(body, dict), f"GET /documents/{document_id} answered {response.summary()}")
    return dict(body)


def _expect_ended(ex: Subject, document_id: int, wanted: str, raised: str) -> dict[str, Any]:
    """The document as GET shows it once its task has run, which must have left it `wanted`."""
    body = _read(ex, document_id)
    got = body.get("status")
    if got != wanted:
        why = STILL.get(str(got), "")
        if (wanted, got) == ("pending", "failed"):
            why = (
                "the database failed, not the document: catch SQLAlchemyError before the "
                "catch-all, and _settle the document back to 'pending', to be retried"
            )
        expect(
            False,
            f"GET /documents/{document_id} after its task ran: status {got!r}; expected "
            f"{wanted!r}{raised}" + (f": {why}" if why else ""),
        )
    return body


def _expect_ready(ex: Subject, content: str) -> int:
    """A positive control: a plain document is processed, chunk for chunk."""
    document_id, raised = _post(ex, content)
    body = _expect_ended(ex, document_id, "ready", raised)
    expected = _chunks(ex, content)
    expect_equal(
        [body.get("chunk_count"), body.get("error")],
        [len(expected), None],
        f"GET /documents/{document_id} once ready: [chunk_count, error]",
    )
    return document_id


@about("process_document")
def test_a_document_goes_from_pending_to_ready_with_its_chunks(ex: Subject) -> None:
    content = _text()
    document_id = _expect_ready(ex, content)
    response = ex.get(f"/documents/{document_id}/chunks?limit=100")
    expect_status(response, 200)
    texts = [chunk.get("text") for chunk in response.json()]
    expect_equal(
        texts,
        _chunks(ex, content),
        f"GET /documents/{document_id}/chunks: the texts of its chunks (split_into_chunks of "
        "its content, with the settings' chunk_size and chunk_overlap)",
    )


@about("process_document")
def test_the_202_goes_out_before_processing(ex: Subject) -> None:
    document_id = _expect_ready(ex, _text())  # processing did happen, after all
    seen = ex.call("at_answer", document_id=document_id)
    expect(
        isinstance(seen, dict),
        f"POST /documents/ (id {document_id}): no answer was seen going out",
    )
    expect_equal(
        [seen.get("status"), seen.get("chunk_count")],
        ["pending", 0],
        f"document {document_id} in the database when its 202 went out: [status, chunk_count] "
        "(processing must wait for the answer: queue it with tasks.add_task, never call it "
        "in the route)",
    )


@about("process_document")
def test_a_document_with_nothing_to_search_ends_failed_with_a_reason(ex: Subject) -> None:
    noise = " ".join(random.choices(NOISE, k=random.randint(4, 12)))
    document_id, raised = _post(ex, noise)
    body = _expect_ended(ex, document_id, "failed", raised)
    error = body.get("error")
    expect(
        isinstance(error, str) and "searchable" in error,
        f"GET /documents/{document_id} ({noise!r}, failed): error is {error!r}; expected the "
        "reason UnprocessableDocumentError gave (str(exc)), which a person can read",
    )
    expect_equal(body.get("chunk_count"), 0, f"GET /documents/{document_id}: chunk_count")
    _expect_ready(ex, _text())  # the next document is processed as usual


@about("process_document")
def test_a_crash_while_indexing_never_leaves_it_processing(ex: Subject) -> None:
    marker = ex.params["bug_marker"]
    document_id, raised = _post(ex, f"{_text()} {marker}")
    body = _expect_ended(ex, document_id, "failed", raised)
    error = body.get("error")
    expect(
        isinstance(error, str) and marker in error,
        f"GET /documents/{document_id}: the chunker raised RuntimeError('the chunker tripped "
        f"over {marker}'), and error is {error!r}; expected a reason holding its message",
    )
    _expect_ready(ex, _text())


@about("process_document")
def test_a_database_failure_sends_it_back_to_pending(ex: Subject) -> None:
    document_id, raised = _post(ex, f"{_text()} {ex.params['db_marker']}")
    body = _expect_ended(ex, document_id, "pending", raised)
    expect(
        isinstance(body.get("error"), str) and bool(body.get("error")),
        f"GET /documents/{document_id}: the database failed while indexing (OperationalError), "
        f"and the document is pending with error {body.get('error')!r}; expected a reason, "
        "so that the retry is explained",
    )
    _expect_ready(ex, _text())


def _processed(ex: Subject, delete: str = "") -> dict[str, Any]:
    result: dict[str, Any] = ex.call("process", content=_text(), delete=delete)
    call = (
        f"process_document(id) on a document deleted {delete}" if delete else "process_document(id)"
    )
    expect(result["raised"] is None, f"{call} raised {result['raised']}; expected it to return")
    expect(
        not result["problems"], f"{call}: the document could not be deleted: {result['problems']}"
    )
    return result


@about("process_document")
def test_a_document_deleted_before_or_during_processing_is_fine(ex: Subject) -> None:
    control = _processed(ex)
    expect_equal(control["returned"], "ready", "process_document(id) of a stored document returned")
    for when in ("before", "meanwhile"):
        result = _processed(ex, when)
        call = f"process_document(id) on a document deleted {when}"
        expect_equal(result["returned"], None, f"{call} returned")
        expect_equal(result["row"], None, f"{call}: the document afterwards (still deleted)")
        expect_equal(result["orphans"], 0, f"{call}: chunks left with its id")


def _recover(ex: Subject) -> tuple[dict[str, Any], list[dict[str, Any]], list[int]]:
    documents = _left_behind()
    result = ex.call("recover", documents=documents)
    unfinished = [
        i for i, d in zip(result["ids"], documents, strict=True) if d["status"] not in FINISHED
    ]
    return result, documents, unfinished


def _expect_recovered(
    rows: list[dict[str, Any]], documents: list[dict[str, Any]], ex: Subject, where: str
) -> None:
    for row, document in zip(rows, documents, strict=True):
        if document["status"] in FINISHED:  # finished: recovery leaves it alone
            wanted = [document["status"], 0, document["error"]]
        else:
            wanted = ["ready", len(_chunks(ex, document["content"])), None]
        got = [row.get("status"), row.get("chunk_count"), row.get("error")]
        expect_equal(
            got,
            wanted,
            f"{where}: document {row.get('id')}, left {document['status']!r}: "
            "[status, chunk_count, error]",
        )


@about("recover_unfinished")
def test_recover_unfinished_processes_pending_and_processing_in_id_order(ex: Subject) -> None:
    result, documents, unfinished = _recover(ex)
    call = "recover_unfinished(sessions, settings)"
    expect(result["raised"] is None, f"{call} raised {result['raised']}")
    statuses = [d["status"] for d in documents]
    expect_equal(
        result["returned"], unfinished, f"{call} on documents left {statuses}: the ids it returned"
    )
    _expect_recovered(result["rows"], documents, ex, f"after {call}")


@about("recover_unfinished")
def test_recover_unfinished_hands_each_id_to_process_when_given(ex: Subject) -> None:
    documents = _left_behind()
    result = ex.call("recover", documents=documents, hand_over=True)
    call = "recover_unfinished(sessions, settings, process)"
    expect(result["raised"] is None, f"{call} raised {result['raised']}")
    unfinished = [
        i for i, d in zip(result["ids"], documents, strict=True) if d["status"] not in FINISHED
    ]
    statuses = [d["status"] for d in documents]
    expect_equal(
        result["handed"],
        unfinished,
        f"{call} on documents left {statuses}: the ids handed to `process` (a queue, say), "
        "in order",
    )
    expect_equal(result["returned"], unfinished, f"{call}: the ids it returned")
    left = [row.get("status") for row in result["rows"]]
    expect_equal(
        left,
        [d["status"] for d in documents],
        f"{call}: the statuses afterwards (`process` does the work, so nothing changes here)",
    )


@about("recover_unfinished")
def test_a_restarted_app_finishes_what_a_crash_left(ex: Subject) -> None:
    documents = ex.params["left_behind"]
    response = ex.get("/documents/?limit=100", app="restarted")
    expect_status(response, 200, why="the app started on what a crash left behind")
    rows = response.json()
    expect_equal(len(rows), len(documents), "GET /documents/: the number of documents")
    _expect_recovered(rows, documents, ex, "after the app's start-up")
