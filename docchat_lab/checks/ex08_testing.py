"""Checks for exercise 8: the learner's tests must pass on the correct app and catch each bug.

Judged on outcomes reported per opaque label; only the judge knows which label is the correct
app. There are several correct copies among the labels, so a submission that makes up outcomes
instead of testing would have to guess all of them at once.
"""

import random
import secrets
from typing import Any

from docchat_lab.grading.expect import expect
from docchat_lab.grading.subject import CheckFailedError, Subject

REFERENCE_COPIES = 3
BUGS = {
    "leaky_get_db": "get_db never closes its session (the third request fails)",
    "missing_404": "GET /documents/{id} answers 200 null for an unknown id",
    "wrong_status": "POST /documents/ answers 200 instead of 202",
    "cors_allows_everything": "CORS allows every origin",
    "unbounded_limit": "limit has no upper bound (limit=101 is accepted)",
}


def params() -> dict[str, Any]:
    names = ["reference"] * REFERENCE_COPIES + list(BUGS)
    labels = [secrets.token_hex(4) for _ in names]
    variants = dict(zip(labels, names, strict=True))
    random.shuffle(labels)
    return {"labels": labels, "_companion": {"variants": variants}}


def _outcomes(ex: Subject) -> dict[str, dict[str, dict[str, str]]]:
    cached = ex.params.get("_outcomes")
    if cached is None:
        result = ex.call("run_tests", timeout=60)
        outcomes = result.get("outcomes") if isinstance(result, dict) else None
        cached = outcomes if isinstance(outcomes, dict) else {}
        ex.params["_outcomes"] = cached
    return cached


def _labels(ex: Subject, variant: str) -> list[str]:
    return [label for label, name in ex.params["_companion"]["variants"].items() if name == variant]


def _passes_on_reference(ex: Subject) -> tuple[list[str], list[str]]:
    """The tests that pass on every correct copy, and a description of those that do not."""
    good, bad = [], []
    for test, runs in sorted(_outcomes(ex).items()):
        failing = [runs.get(label, {"outcome": "missing"}) for label in _labels(ex, "reference")]
        failing = [run for run in failing if run.get("outcome") != "passed"]
        if not failing:
            good.append(test)
        else:
            bad.append(f"{test} ({failing[0].get('error') or failing[0].get('outcome')})")
    return good, bad


def _not_done(ex: Subject) -> bool:
    runs = [run for per_test in _outcomes(ex).values() for run in per_test.values()]
    return bool(runs) and all(run.get("error") == "NotImplementedError" for run in runs)


def test_your_tests_pass_on_the_correct_app(ex: Subject) -> None:
    outcomes = _outcomes(ex)
    expect(bool(outcomes), "no tests ran: write functions named test_... that take `client`")
    if _not_done(ex):
        raise CheckFailedError(
            "not done yet: your tests still raise NotImplementedError", kind="not-implemented"
        )
    unused = [t for t, runs in outcomes.items() if "" in runs]
    expect(
        not unused, f"{', '.join(unused)} does not take the `client` argument, so it tests no app"
    )
    _good, bad = _passes_on_reference(ex)
    expect(not bad, f"these tests fail against the correct app: {', '.join(bad)}")


def _catches(bug: str):  # type: ignore[no-untyped-def]
    def check(ex: Subject) -> None:
        if _not_done(ex):
            raise CheckFailedError(
                "not done yet: your tests still raise NotImplementedError", kind="not-implemented"
            )
        good, _bad = _passes_on_reference(ex)
        expect(bool(good), "none of your tests passes on the correct app, so none can catch a bug")
        (label,) = _labels(ex, bug)
        outcomes = _outcomes(ex)
        caught = [
            t for t in good if outcomes[t].get(label, {}).get("outcome") in ("failed", "error")
        ]
        expect(bool(caught), f"no test of yours fails when {BUGS[bug]}")

    check.__name__ = f"test_your_tests_catch_{bug}"
    return check


test_your_tests_catch_leaky_get_db = _catches("leaky_get_db")
test_your_tests_catch_missing_404 = _catches("missing_404")
test_your_tests_catch_wrong_status = _catches("wrong_status")
test_your_tests_catch_cors_allows_everything = _catches("cors_allows_everything")
test_your_tests_catch_unbounded_limit = _catches("unbounded_limit")
