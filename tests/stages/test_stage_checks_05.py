"""Stage 05's checks: the stub fails as "not written yet", the reference passes, and each
realistic wrong answer (among them the two review bugs of issue 10) fails the right checks."""

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

MAIN, TIMING = "main.py", "api/timing.py"
CREDENTIALS = "test_credentials_are_allowed_only_when_the_settings_say_so"
WILDCARD = "test_a_wildcard_without_credentials_allows_any_origin_and_no_cookies"
NO_HEADER = "test_another_origin_still_gets_the_data_but_no_header"
CORS_CALL = """    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=settings.cors_allow_credentials,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=[TIMING_HEADER],
    )
"""


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with stage_sandbox("05") as box:
        yield box


def test_the_stub_is_not_written_yet_and_the_reference_passes(sandbox: Sandbox) -> None:
    stub = run_stage(sandbox, "05", snapshot_files(4))
    assert stub.passed == 0
    assert "not written yet" in stub.checks[0].message, stub.checks[0].message
    assert {c.kind for c in stub.checks} <= {"not-implemented", "not-checked"}
    reference = run_stage(sandbox, "05", snapshot_files(5))
    assert failures(reference) == {}
    assert len(reference.checks) == 8


def test_credentials_always_on_fails_the_credential_checks(sandbox: Sandbox) -> None:
    # Review bug: an install_middleware that ignores the setting and always allows credentials.
    wrong = Edit(
        MAIN,
        "allow_credentials=settings.cors_allow_credentials,",
        "allow_credentials=True,",
    )
    result = run_stage(sandbox, "05", snapshot_files(5, wrong))
    assert_fails_exactly(result, {CREDENTIALS, WILDCARD}, "Access-Control-Allow-Credentials")


def test_no_cors_at_all_fails_the_other_origin_check(sandbox: Sandbox) -> None:
    # Review bug: "another origin gets the data but no header" passed with no CORS at all.
    result = run_stage(sandbox, "05", snapshot_files(5, Edit(MAIN, CORS_CALL, "")))
    failed = failures(result)
    assert NO_HEADER in failed
    assert "Access-Control-Allow-Origin is no such header" in failed[NO_HEADER]
    assert "an allowed origin" in failed[NO_HEADER]
    passed = {c.name for c in result.checks if c.passed}
    assert passed == {"test_every_response_carries_the_time_in_milliseconds"}


def test_seconds_in_the_timing_header_fail_the_milliseconds_check(sandbox: Sandbox) -> None:
    wrong = Edit(
        TIMING,
        "elapsed_ms = (time.perf_counter() - start) * 1000",
        "elapsed_ms = time.perf_counter() - start",
    )
    result = run_stage(sandbox, "05", snapshot_files(5, wrong))
    assert_fails_exactly(
        result, {"test_every_response_carries_the_time_in_milliseconds"}, "seconds"
    )


def test_timing_inside_cors_fails_the_outermost_check(sandbox: Sandbox) -> None:
    timing = "    app.add_middleware(ProcessTimeMiddleware)\n"
    wrong = [Edit(MAIN, timing, ""), Edit(MAIN, CORS_CALL, timing + CORS_CALL)]
    result = run_stage(sandbox, "05", snapshot_files(5, *wrong))
    assert_fails_exactly(
        result, {"test_the_timing_middleware_is_outermost"}, "without an X-Process-Time-Ms header"
    )


def test_every_origin_allowed_fails_the_refusal_checks(sandbox: Sandbox) -> None:
    wrong = Edit(MAIN, "allow_origins=settings.cors_origins,", 'allow_origins=["*"],')
    result = run_stage(sandbox, "05", snapshot_files(5, wrong))
    failed = failures(result)
    assert {"test_a_preflight_from_another_origin_is_refused", NO_HEADER} <= set(failed)
    assert all("evil-" in failed[name] or "*" in failed[name] for name in failed), failed


def test_an_unexposed_timing_header_fails_the_browser_check(sandbox: Sandbox) -> None:
    wrong = Edit(MAIN, "        expose_headers=[TIMING_HEADER],\n", "")
    result = run_stage(sandbox, "05", snapshot_files(5, wrong))
    assert_fails_exactly(
        result, {"test_browsers_may_read_the_timing_header"}, "Access-Control-Expose-Headers"
    )
