"""Stage 06's checks: the stub fails as "not written yet", the reference passes, and each
realistic wrong answer fails exactly the checks that catch it, with a message that says why."""

from collections.abc import Iterator

import pytest

from docchat_lab.grading.sandbox import Sandbox
from tests.stages.stage_checking import (
    Edit,
    assert_fails_exactly,
    failures,
    run_stage,
    snapshot_files,
    stage_sandbox,
)

PROCESSING = "services/processing.py"
NOTHING_TO_SEARCH = "test_a_document_with_nothing_to_search_ends_failed_with_a_reason"
CRASH = "test_a_crash_while_indexing_never_leaves_it_processing"
DATABASE = "test_a_database_failure_sends_it_back_to_pending"
DELETED = "test_a_document_deleted_before_or_during_processing_is_fine"
RECOVER = "test_recover_unfinished_processes_pending_and_processing_in_id_order"
RESTARTED = "test_a_restarted_app_finishes_what_a_crash_left"
UNFINISHED = "select(Document.id).where(Document.status.in_(UNFINISHED)).order_by(Document.id)"


def _body(old: str, new: str) -> Edit:
    return Edit(PROCESSING, old, new)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with stage_sandbox("06") as box:
        yield box


def test_the_stub_is_not_written_yet_and_the_reference_passes(sandbox: Sandbox) -> None:
    stub = run_stage(sandbox, "06", snapshot_files(5))
    assert stub.passed == 0
    assert "not written yet: process_document" in stub.checks[0].message
    assert {c.kind for c in stub.checks} <= {"not-implemented", "not-checked"}
    reference = run_stage(sandbox, "06", snapshot_files(6))
    assert failures(reference) == {}
    assert len(reference.checks) == 8


def test_no_except_clauses_leave_documents_processing(sandbox: Sandbox) -> None:
    start = "    try:\n        return retry_while_busy("
    wrong = _body(start, "    return _index(document_id, sessions, settings)\n" + start)
    result = run_stage(sandbox, "06", snapshot_files(6, wrong))
    failed = failures(result)
    assert set(failed) == {NOTHING_TO_SEARCH, CRASH, DATABASE, DELETED}, failed
    for name in (NOTHING_TO_SEARCH, CRASH, DATABASE):
        assert "left 'processing'" in failed[name], failed[name]
        assert "the background task raised" in failed[name], failed[name]
    assert "deleted meanwhile raised" in failed[DELETED], failed[DELETED]


def test_no_catch_all_leaves_a_crash_processing(sandbox: Sandbox) -> None:
    catch_all = "    except Exception as exc:  # a bug"
    wrong = _body(catch_all, "    except ZeroDivisionError as exc:  # a bug")
    result = run_stage(sandbox, "06", snapshot_files(6, wrong))
    assert_fails_exactly(result, {CRASH}, "RuntimeError: the chunker tripped over TRIP-")


def test_a_database_failure_marked_failed_is_caught(sandbox: Sandbox) -> None:
    wrong = _body("DocumentStatus.PENDING, reason)", "DocumentStatus.FAILED, reason)")
    result = run_stage(sandbox, "06", snapshot_files(6, wrong))
    assert_fails_exactly(result, {DATABASE}, "catch SQLAlchemyError before the catch-all")


def test_processing_in_the_route_is_caught_by_the_202_check(sandbox: Sandbox) -> None:
    route = Edit(
        "api/routes/documents.py",
        "    tasks.add_task(process_document, document.id, sessions, settings)\n",
        "    process_document(document.id, sessions, settings)\n",
    )
    result = run_stage(sandbox, "06", snapshot_files(6, route))
    assert_fails_exactly(
        result, {"test_the_202_goes_out_before_processing"}, "when its 202 went out"
    )
    assert "'ready'" in failures(result)["test_the_202_goes_out_before_processing"]


def test_recovering_only_pending_documents_is_caught(sandbox: Sandbox) -> None:
    wrong = _body(UNFINISHED, UNFINISHED.replace(".in_(UNFINISHED)", " == DocumentStatus.PENDING"))
    result = run_stage(sandbox, "06", snapshot_files(6, wrong))
    assert_fails_exactly(result, {RECOVER, RESTARTED}, "'processing'")


def test_retrying_failed_documents_too_is_caught(sandbox: Sandbox) -> None:
    wrong = _body(UNFINISHED, UNFINISHED.replace(".in_(UNFINISHED)", " != DocumentStatus.READY"))
    result = run_stage(sandbox, "06", snapshot_files(6, wrong))
    assert_fails_exactly(result, {RECOVER, RESTARTED}, "'failed'")


def test_recovered_ids_out_of_order_are_caught(sandbox: Sandbox) -> None:
    wrong = _body(
        UNFINISHED, UNFINISHED.replace("order_by(Document.id)", "order_by(Document.id.desc())")
    )
    result = run_stage(sandbox, "06", snapshot_files(6, wrong))
    assert_fails_exactly(result, {RECOVER}, "the ids it returned")


def test_ids_returned_but_nothing_processed_is_caught(sandbox: Sandbox) -> None:
    loop = (
        "    for document_id in ids:\n        process_document(document_id, sessions, settings)\n"
    )
    result = run_stage(sandbox, "06", snapshot_files(6, _body(loop, "")))
    assert_fails_exactly(result, {RECOVER, RESTARTED}, "[status, chunk_count, error]")
