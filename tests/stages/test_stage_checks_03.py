"""Stage 03's checks: the reference's routes pass (at stage 03 and in the finished package),
the stubs are "not written yet", and each realistic wrong route fails the checks it should."""

import pytest

from docchat_lab.grading.sandbox import Sandbox
from tests.stages.stage_answers import (
    StageAnswer,
    assert_fails_as_said,
    assert_reference_passes,
    assert_stub_not_written,
    run_stage,
    stage_sandbox,
    wrong,
)

STAGE = 3
__all__ = ["stage_sandbox"]

ROUTES = "api/routes/documents.py"
QUEUE = "tasks.add_task(process_document, document.id, sessions, settings)\n    return document"
QUEUED = {"test_create_document_queues_processing_of_its_id"}
LIST = "async def list_documents(session: SessionDep, page: PageDep) -> list[Document]:"

WRONG = [
    wrong(
        "counts characters, not bytes",
        ROUTES,
        'size = len(body.content.encode("utf-8"))',
        "size = len(body.content)",
        {"test_content_over_the_byte_limit_is_a_413"},
        "count bytes, not characters",
    ),
    wrong(
        "hands the task the request's session",
        ROUTES,
        QUEUE,
        QUEUE.replace("document.id, sessions", "document.id, session"),
        QUEUED,
        "the app's own session factory",
    ),
    wrong(
        "hands the task the ORM object",
        ROUTES,
        QUEUE,
        QUEUE.replace("document.id, sessions", "document, sessions"),
        QUEUED,
        "the new id",
    ),
    wrong("queues nothing", ROUTES, QUEUE, "return document", QUEUED, "queued 0"),
    wrong(
        "ignores the page",
        ROUTES,
        "return await db_read(page_of_documents, session, page)",
        "return await db_read(page_of_documents, session, Page(skip=0, limit=100))",
        {"test_list_documents_pages_in_id_order"},
        "GET /documents/?skip=",
    ),
    # The review's bug: a hand-made string detail instead of FastAPI's 422 (a check reading
    # detail[0]["loc"] must say what it got, never fail with a TypeError).
    wrong(
        "checks the limit by hand, with a string detail",
        ROUTES,
        LIST + '\n    """List documents by id, a page at a time: `page_of_documents` on a database '
        'thread."""\n    return await db_read(page_of_documents, session, page)',
        "async def list_documents(session: SessionDep, skip: int = 0, limit: int = 20) -> list:\n"
        "    if limit > 100:\n"
        "        raise HTTPException(422, 'limit must be at most 100')\n"
        "    return await db_read(page_of_documents, session, Page(skip=skip, limit=limit))",
        {"test_a_limit_over_100_is_a_422_at_query_limit"},
        "detail[0]['loc'] gave None; expected ['query', 'limit']",
    ),
    wrong(
        "deletes without committing",
        ROUTES,
        "await db_write(_delete, session, document.id)",
        "session.delete(document)",
        {"test_delete_document_answers_204_then_the_document_is_gone"},
        "was deleted",
    ),
]


def test_the_reference_passes(stage_sandbox: Sandbox) -> None:
    assert_reference_passes(run_stage(stage_sandbox, STAGE, STAGE))


def test_the_finished_package_passes_too(stage_sandbox: Sandbox) -> None:
    assert_reference_passes(run_stage(stage_sandbox, STAGE, 8))


def test_the_stub_is_not_written_yet(stage_sandbox: Sandbox) -> None:
    assert_stub_not_written(run_stage(stage_sandbox, STAGE, STAGE - 1))


@pytest.mark.parametrize("answer", WRONG, ids=lambda a: a.mistake)
def test_a_wrong_route_fails_the_right_checks(stage_sandbox: Sandbox, answer: StageAnswer) -> None:
    assert_fails_as_said(run_stage(stage_sandbox, STAGE, STAGE, answer), answer)
