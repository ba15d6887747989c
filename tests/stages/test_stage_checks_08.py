"""Stage 08's checks: the learner's tests run against served copies of DocChat, one bug each.

Each catch check is judged on its own, so one submission carries several independent gaps at
once (each run serves every copy: a run per mistake would cost minutes).
"""

import pytest

from docchat_lab.checks.served_verdicts import NOT_DONE
from docchat_lab.grading.sandbox import Sandbox
from tests.stages.stage_answers import StageChecks, failures, run_stage, snapshot_files

pytestmark = pytest.mark.slow

TESTS = "tests/test_api.py"
CONFTEST = "tests/conftest.py"
OWN = "test_your_tests_pass_with_your_fixtures_on_your_docchat"
REFERENCE = "test_your_tests_pass_on_the_correct_app"
# A gap in the learner's tests -> the bug that then goes uncaught.
GAPS = {
    "skip_ignored": [
        (TESTS, 'params={"skip": 1, "limit": 1}', 'params={"limit": 1}'),
        (TESTS, '== ["Two"]', '== ["One"]'),
    ],
    "limit_unbounded": [(TESTS, '({"limit": 101}, "limit"),', "")],
    "post_answers_200": [(TESTS, "status_code == 202", "status_code in (200, 202)")],
    "delete_does_nothing": [
        (TESTS, "    assert client.get(f\"/documents/{document['id']}\").status_code == 404\n", "")
    ],
    "ask_without_sources": [
        (TESTS, '    assert body["sources"][0]["document_id"] == document["id"]\n', "")
    ],
}


class TestStage08(StageChecks):
    stage = 8
    harness = "stage08_testing"
    checks = 9
    stub_says = "not written yet: settings, client in my_docchat/tests/conftest.py; "

    def test_each_gap_in_the_tests_lets_its_bug_through(self, sandbox: Sandbox) -> None:
        files = snapshot_files(8, [edit for edits in GAPS.values() for edit in edits])
        failed = failures(run_stage(sandbox, 8, files))
        assert set(failed) == {f"test_your_tests_catch_{bug}" for bug in GAPS}, failed
        for message in failed.values():
            assert message.startswith("no test of yours fails when"), message
        assert "ignores skip" in failed["test_your_tests_catch_skip_ignored"]

    def test_fixtures_that_share_one_database_fail_on_your_own_docchat(
        self, sandbox: Sandbox
    ) -> None:
        shared = (CONFTEST, 'database_url="sqlite://"', 'database_url="sqlite:///./shared.db"')
        failed = failures(run_stage(sandbox, 8, snapshot_files(8, [shared])))
        assert set(failed) == {OWN}, failed
        assert "test_pages_skip_and_limit (AssertionError)" in failed[OWN]
        assert "each test gets a new app, on a new empty database" in failed[OWN]

    def test_tests_that_fail_on_the_correct_app_catch_nothing(self, sandbox: Sandbox) -> None:
        strict = (TESTS, 'assert body["status"] == "pending"', 'assert body["status"] == "ready"')
        failed = failures(run_stage(sandbox, 8, snapshot_files(8, [strict])))
        assert "test_a_new_document_is_accepted_and_pending (AssertionError)" in failed[REFERENCE]
        assert "so none of them can catch a bug" in failed["test_your_tests_catch_wrong_document"]
        assert NOT_DONE not in str(failed)
