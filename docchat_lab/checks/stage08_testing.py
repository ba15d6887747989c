"""Checks for stage 08: the learner's tests in my_docchat/tests/.

Their test_api.py runs against copies of the kit's DocChat, served from another process: the
correct one (every test must pass) and copies with one bug each (some test must fail on each,
having sent the request that shows the bug); see served_verdicts. Their conftest's fixtures
are checked by running the whole folder on their own DocChat.
"""

from typing import Any

from docchat_lab.checks.served_verdicts import ServedVerdicts
from docchat_lab.grading.expect import about, expect
from docchat_lab.grading.subject import Subject
from docchat_lab.harness.stage08_app import BUGS

APP = "docchat_lab.harness.stage08_app"
SERVED_APPS = (APP,)
VERDICTS = ServedVerdicts(APP, BUGS, what="my_docchat/tests/test_api.py")


@about("conftest.py: settings, client")
def test_your_tests_pass_with_your_fixtures_on_your_docchat(ex: Subject) -> None:
    result: dict[str, Any] = ex.call("run_own_tests", timeout=120)
    found = result.get("outcomes") or {}
    expect(bool(found), "pytest my_docchat/tests ran no tests: name them test_...")
    broken = sorted(
        f"{name} ({outcome.get('error') or outcome.get('outcome')})"
        for name, outcome in found.items()
        if outcome.get("outcome") in ("failed", "error")
    )
    expect(
        not broken,
        f"pytest my_docchat/tests, with your conftest.py, on your DocChat: {', '.join(broken)}; "
        "expected every test to pass (each test gets a new app, on a new empty database)",
    )


def test_your_tests_pass_on_the_correct_app(ex: Subject) -> None:
    VERDICTS.passes_on_the_correct_app(ex)


test_your_tests_catch_skip_ignored = VERDICTS.catches("skip_ignored", __name__)
test_your_tests_catch_limit_unbounded = VERDICTS.catches("limit_unbounded", __name__)
test_your_tests_catch_missing_is_null = VERDICTS.catches("missing_is_null", __name__)
test_your_tests_catch_post_answers_200 = VERDICTS.catches("post_answers_200", __name__)
test_your_tests_catch_delete_does_nothing = VERDICTS.catches("delete_does_nothing", __name__)
test_your_tests_catch_wrong_document = VERDICTS.catches("wrong_document", __name__)
test_your_tests_catch_ask_without_sources = VERDICTS.catches("ask_without_sources", __name__)
