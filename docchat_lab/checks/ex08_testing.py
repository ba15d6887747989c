"""Checks for exercise 8: the learner's tests must pass on the correct app and catch each bug.

How the learner's tests are run and judged: docchat_lab/checks/served_verdicts.py.
"""

from docchat_lab.checks.served_verdicts import NOT_DONE, ServedVerdicts
from docchat_lab.grading.subject import Subject

APP = "docchat_lab.harness.ex08_app"
SERVED_APPS = (APP,)
MAIN_PROCESS = False  # the learner's code runs only in the test processes of the served runs
BUGS = {
    "leaky_get_db": "get_db never closes its session (the third request fails)",
    "missing_404": "GET /documents/{id} answers 200 null for an unknown id",
    "wrong_status": "POST /documents/ answers 200 instead of 202",
    "cors_allows_everything": "CORS allows every origin",
    "unbounded_limit": "limit has no upper bound (limit=101 is accepted)",
}
VERDICTS = ServedVerdicts(APP, BUGS)
__all__ = ["NOT_DONE"]


def test_your_tests_pass_on_the_correct_app(ex: Subject) -> None:
    VERDICTS.passes_on_the_correct_app(ex)


test_your_tests_catch_leaky_get_db = VERDICTS.catches("leaky_get_db", __name__)
test_your_tests_catch_missing_404 = VERDICTS.catches("missing_404", __name__)
test_your_tests_catch_wrong_status = VERDICTS.catches("wrong_status", __name__)
test_your_tests_catch_cors_allows_everything = VERDICTS.catches("cors_allows_everything", __name__)
test_your_tests_catch_unbounded_limit = VERDICTS.catches("unbounded_limit", __name__)
