"""Stage 06's checks: the stub fails as "not written yet", the reference passes, and each
realistic wrong answer fails exactly the checks that catch it, with a message that says why."""

from docchat_lab.grading.sandbox import Sandbox
from tests.stages.stage_answers import (
    StageChecksWithWrongAnswers,
    failures,
    run_stage,
    snapshot_files,
    wrong,
)

PROCESSING = "services/processing.py"
NOTHING_TO_SEARCH = "test_a_document_with_nothing_to_search_ends_failed_with_a_reason"
CRASH = "test_a_crash_while_indexing_never_leaves_it_processing"
DATABASE = "test_a_database_failure_sends_it_back_to_pending"
DELETED = "test_a_document_deleted_before_or_during_processing_is_fine"
RECOVER = "test_recover_unfinished_processes_pending_and_processing_in_id_order"
RESTARTED = "test_a_restarted_app_finishes_what_a_crash_left"
HANDED = "test_recover_unfinished_hands_each_id_to_process_when_given"
LOOP = (
    "    for document_id in ids:\n        if process is None:\n"
    "            process_document(document_id, sessions, settings)\n"
    "        else:\n            process(document_id)\n"
)
UNFINISHED = "select(Document.id).where(Document.status.in_(UNFINISHED)).order_by(Document.id)"
TRY = "    try:\n        return retry_while_busy("

WRONG = [
    wrong(
        "no catch-all: a bug in the processing escapes, and the document stays processing",
        PROCESSING,
        "    except Exception as exc:  # a bug",
        "    except ZeroDivisionError as exc:  # a bug",
        {CRASH},
        "RuntimeError: the chunker tripped over TRIP-",
    ),
    wrong(
        "a database failure marked failed, as if it were the document's fault",
        PROCESSING,
        "DocumentStatus.PENDING, reason)",
        "DocumentStatus.FAILED, reason)",
        {DATABASE},
        "catch SQLAlchemyError before the catch-all",
    ),
    wrong(
        "the route processes the document before it answers",
        "api/routes/documents.py",
        "    tasks.add_task(processor, document.id)\n",
        "    processor(document.id)\n",
        {"test_the_202_goes_out_before_processing"},
        "['ready',",
    ),
    wrong(
        "recovery forgets the documents a crash caught halfway",
        PROCESSING,
        UNFINISHED,
        UNFINISHED.replace(".in_(UNFINISHED)", " == DocumentStatus.PENDING"),
        {RECOVER, RESTARTED, HANDED},
        "'processing'",
    ),
    wrong(
        "recovery retries the failed documents too",
        PROCESSING,
        UNFINISHED,
        UNFINISHED.replace(".in_(UNFINISHED)", " != DocumentStatus.READY"),
        # The app's processor leaves a finished document alone: the restarted app is right.
        {RECOVER, HANDED},
        "'failed'",
    ),
    wrong(
        "recovery returns the ids newest first",
        PROCESSING,
        UNFINISHED,
        UNFINISHED.replace("order_by(Document.id)", "order_by(Document.id.desc())"),
        {RECOVER, HANDED},
        "on documents left",
    ),
    wrong(
        "recovery only hands the ids over: with no `process`, nothing is processed",
        PROCESSING,
        LOOP,
        "    for document_id in ids:\n        if process is not None:\n"
        "            process(document_id)\n",
        {RECOVER},
        "[status, chunk_count, error]",
    ),
    wrong(
        "recovery processes every document itself, whatever `process` it is given",
        PROCESSING,
        LOOP,
        "    for document_id in ids:\n        process_document(document_id, sessions, settings)\n",
        {HANDED},
        "the ids handed to `process`",
    ),
]


class TestStage06(StageChecksWithWrongAnswers):
    stage = 6
    harness = "stage06_background_tasks"
    checks = 9
    stub_says = (
        "not written yet: process_document, recover_unfinished in my_docchat/services/processing.py"
    )
    wrong = WRONG

    def test_no_except_clauses_leave_documents_processing(self, sandbox: Sandbox) -> None:
        edit = (PROCESSING, TRY, "    return _index(document_id, sessions, settings)\n" + TRY)
        failed = failures(run_stage(sandbox, 6, snapshot_files(6, [edit])))
        assert set(failed) == {NOTHING_TO_SEARCH, CRASH, DATABASE, DELETED}, failed
        for name in (NOTHING_TO_SEARCH, CRASH, DATABASE):
            assert "left 'processing'" in failed[name], failed[name]
            assert "the background task raised" in failed[name], failed[name]
        assert "deleted meanwhile raised" in failed[DELETED], failed[DELETED]
