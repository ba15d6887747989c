"""Stage 03's checks: the reference's routes pass (at stage 03 and in the finished package),
the stubs are "not written yet", and each realistic wrong route fails the checks it should."""

from tests.stages.stage_answers import (
    StageChecksWithWrongAnswers,
    wrong,
)

STAGE = 3

ROUTES = "api/routes/documents.py"
QUEUE = "tasks.add_task(processor, document.id)\n    return document"
QUEUED = {"test_create_document_queues_processing_of_its_id"}
LIST = "async def list_documents(session: SessionDep, page: PageDep) -> list[DocumentOut]:"

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
        "hands the processor the request's session too",
        ROUTES,
        QUEUE,
        QUEUE.replace("document.id)", "document.id, session)"),
        QUEUED,
        "expected only the new document's id",
    ),
    wrong(
        "hands the processor the ORM object",
        ROUTES,
        QUEUE,
        QUEUE.replace("document.id)", "document)"),
        QUEUED,
        "called the processor with ['<",
    ),
    wrong(
        "calls process_document itself, with the request's session",
        ROUTES,
        QUEUE,
        "from my_docchat.services.processing import process_document\n\n    "
        + QUEUE.replace(
            "processor, document.id", "process_document, document.id, session, settings"
        ),
        QUEUED,
        "called process_document itself; expected it to hand the document to the app's processor",
    ),
    wrong(
        "processes in the route",
        ROUTES,
        QUEUE,
        QUEUE.replace("tasks.add_task(processor, document.id)", "processor(document.id)"),
        QUEUED,
        "called the processor inside the route",
    ),
    wrong("queues nothing", ROUTES, QUEUE, "return document", QUEUED, "handed 0 documents"),
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


class TestStage03(StageChecksWithWrongAnswers):
    stage = 3
    harness = "stage03_routers_and_app_factory"
    checks = 8
    wrong = WRONG
