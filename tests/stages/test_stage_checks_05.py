"""Stage 05's checks: the stub fails as "not written yet", the reference passes, and each
realistic wrong answer (among them the two review bugs of issue 10) fails the right checks."""

from collections.abc import Iterator

import pytest

from docchat_lab.grading.sandbox import Sandbox
from tests.stages.stage_answers import (
    WrongAnswer,
    expect_wrong_answer_caught,
    failures,
    run_stage,
    snapshot_files,
    wrong,
)

MAIN, TIMING = "main.py", "api/timing.py"
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
TIMING_LAST = """    # Added last, so outermost: the time includes CORS and everything inside it.
    app.add_middleware(ProcessTimeMiddleware)
"""

WRONG = [
    wrong(  # a review bug of issue 10
        "install_middleware ignores the setting and always allows credentials",
        MAIN,
        "allow_credentials=settings.cors_allow_credentials,",
        "allow_credentials=True,",
        {
            "test_credentials_are_allowed_only_when_the_settings_say_so",
            "test_a_wildcard_without_credentials_allows_any_origin_and_no_cookies",
        },
        "Access-Control-Allow-Credentials",
    ),
    wrong(
        "the lesson's timing middleware: seconds in a header named for milliseconds",
        TIMING,
        "elapsed_ms = (time.perf_counter() - start) * 1000",
        "elapsed_ms = time.perf_counter() - start",
        {"test_every_response_carries_the_time_in_milliseconds"},
        "seconds",
    ),
    wrong(
        "the timing middleware added first, so CORS is outside it",
        MAIN,
        CORS_CALL + TIMING_LAST,
        "    app.add_middleware(ProcessTimeMiddleware)\n" + CORS_CALL,
        {"test_the_timing_middleware_is_outermost"},
        "without an X-Process-Time-Ms header",
    ),
    wrong(
        "the timing header is not exposed to scripts",
        MAIN,
        "        expose_headers=[TIMING_HEADER],\n",
        "",
        {"test_browsers_may_read_the_timing_header"},
        "Access-Control-Expose-Headers",
    ),
]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(["stage05_cors_middleware"], mode="none") as box:
        yield box


def test_the_stub_is_not_written_yet_and_the_reference_passes(sandbox: Sandbox) -> None:
    stub = run_stage(sandbox, 5, snapshot_files(4))
    assert stub.passed == 0
    assert "not written yet" in stub.checks[0].message, stub.checks[0].message
    assert {c.kind for c in stub.checks} <= {"not-implemented", "not-checked"}
    reference = run_stage(sandbox, 5, snapshot_files(5))
    assert failures(reference) == {}
    assert len(reference.checks) == 8


@pytest.mark.parametrize("answer", WRONG, ids=str)
def test_a_wrong_answer_fails_the_right_checks(sandbox: Sandbox, answer: WrongAnswer) -> None:
    expect_wrong_answer_caught(sandbox, 5, answer)


def test_no_cors_at_all_fails_the_other_origin_check(sandbox: Sandbox) -> None:
    # A review bug of issue 10: this check passed with no CORS at all.
    result = run_stage(sandbox, 5, snapshot_files(5, [(MAIN, CORS_CALL, "")]))
    failed = failures(result)
    assert "Access-Control-Allow-Origin is no such header" in failed[NO_HEADER]
    assert "an allowed origin" in failed[NO_HEADER]
    passed = {c.name for c in result.checks if c.passed}
    assert passed == {"test_every_response_carries_the_time_in_milliseconds"}


def test_every_origin_allowed_fails_the_refusal_checks(sandbox: Sandbox) -> None:
    edit = (MAIN, "allow_origins=settings.cors_origins,", 'allow_origins=["*"],')
    failed = failures(run_stage(sandbox, 5, snapshot_files(5, [edit])))
    assert {"test_a_preflight_from_another_origin_is_refused", NO_HEADER} <= set(failed)
    assert "not one of the configured origins" in failed[NO_HEADER]
