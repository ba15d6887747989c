"""Stage 05's checks: the stub fails as "not written yet", the reference passes, and each
realistic wrong answer (among them the two review bugs of issue 10) fails the right checks."""

from docchat_lab.grading.sandbox import Sandbox
from tests.stages.stage_answers import (
    StageChecksWithWrongAnswers,
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


class TestStage05(StageChecksWithWrongAnswers):
    stage = 5
    harness = "stage05_cors_middleware"
    checks = 8
    wrong = WRONG

    def test_no_cors_at_all_fails_the_other_origin_check(self, sandbox: Sandbox) -> None:
        # A review bug of issue 10: this check passed with no CORS at all.
        result = run_stage(sandbox, 5, snapshot_files(5, [(MAIN, CORS_CALL, "")]))
        failed = failures(result)
        assert "Access-Control-Allow-Origin is no such header" in failed[NO_HEADER]
        assert "an allowed origin" in failed[NO_HEADER]
        passed = {c.name for c in result.checks if c.passed}
        assert passed == {"test_every_response_carries_the_time_in_milliseconds"}

    def test_every_origin_allowed_fails_the_refusal_checks(self, sandbox: Sandbox) -> None:
        edit = (MAIN, "allow_origins=settings.cors_origins,", 'allow_origins=["*"],')
        failed = failures(run_stage(sandbox, 5, snapshot_files(5, [edit])))
        assert {"test_a_preflight_from_another_origin_is_refused", NO_HEADER} <= set(failed)
        assert "not one of the configured origins" in failed[NO_HEADER]
