"""Checks for exercise 8: the learner's tests must pass on the correct app and catch each bug.

The learner's tests run once per variant, each time in a process of their own against one app
served from another process: no labels, no map, nothing to inspect. The correct app is served
REFERENCE_RUNS times among the bugs, in a shuffled order. One verdict per test set per run:
- the set passes on the correct app when every one of its runs there passed, and sent requests;
- it catches a bug when it failed on that bug's run AND the app saw a request reach the bug.
What a test process reports is only a claim; the app's evidence is the judge's own.
"""

from typing import Any

from docchat_lab.grading.expect import expect
from docchat_lab.grading.served import ServedRun
from docchat_lab.grading.subject import CheckFailedError, Subject

APP = "docchat_lab.harness.ex08_app"
SERVED_APPS = (APP,)
MAIN_PROCESS = False  # the learner's code runs only in the test processes of the served runs
REFERENCE_RUNS = 2
BUGS = {
    "leaky_get_db": "get_db never closes its session (the third request fails)",
    "missing_404": "GET /documents/{id} answers 200 null for an unknown id",
    "wrong_status": "POST /documents/ answers 200 instead of 202",
    "cors_allows_everything": "CORS allows every origin",
    "unbounded_limit": "limit has no upper bound (limit=101 is accepted)",
}
NOT_DONE = "not done yet: your tests still raise NotImplementedError"


def _runs(ex: Subject) -> list[ServedRun]:
    cached = ex.memo.get("runs")
    if cached is None:
        variants = ["reference"] * REFERENCE_RUNS + list(BUGS)
        cached = ex.served_runs(APP, variants, probe="run_tests")
        ex.memo["runs"] = cached
    return list(cached)


def _outcomes(run: ServedRun) -> dict[str, dict[str, Any]]:
    outcomes = (run.claim or {}).get("outcomes")
    if not isinstance(outcomes, dict):
        return {}
    return {str(k)[:200]: v for k, v in outcomes.items() if isinstance(v, dict)}


def _failed(run: ServedRun) -> bool:
    """The set failed on this run: a test failed or errored, or the process gave no answer."""
    if run.claim is None:
        return True
    return any(o.get("outcome") in ("failed", "error") for o in _outcomes(run).values())


def _first_problem(ex: Subject) -> None:
    """Stop with the message every check shares, when the tests cannot be judged at all."""
    runs = _runs(ex)
    loads = [r.load for r in runs if r.load]
    if loads:
        load = loads[0]
        raise CheckFailedError(
            f"your test file could not be loaded: {str(load.get('type'))[:100]}: "
            f"{str(load.get('message'))[:300]}",
            kind="error",
        )
    every = [o for r in runs for o in _outcomes(r).values()]
    if every and all(o.get("error") == "NotImplementedError" for o in every):
        raise CheckFailedError(NOT_DONE, kind="not-implemented")


def _reference_problems(ex: Subject) -> list[str]:
    """Why the set does not pass on the correct app (empty when it does)."""
    problems: list[str] = []
    for run in (r for r in _runs(ex) if r.variant == "reference"):
        if run.claim is None:
            problems.append(f"the tests did not finish ({run.failure})")
            continue
        for name, outcome in sorted(_outcomes(run).items()):
            if outcome.get("outcome") in ("failed", "error"):
                problems.append(f"{name} ({outcome.get('error') or outcome.get('outcome')})")
        if not run.evidence.get("requests"):
            problems.append("no test sent a request to the app")
    return sorted(set(problems))


def test_your_tests_pass_on_the_correct_app(ex: Subject) -> None:
    _first_problem(ex)
    outcomes = {name: o for r in _runs(ex) for name, o in _outcomes(r).items()}
    expect(bool(outcomes), "no tests ran: write functions named test_... that take `client`")
    unused = sorted(name for name, o in outcomes.items() if o.get("unused"))
    expect(
        not unused, f"{', '.join(unused)} does not take the `client` argument, so it tests no app"
    )
    problems = _reference_problems(ex)
    expect(not problems, f"against the correct app: {', '.join(problems)}")


def _catches(bug: str):  # type: ignore[no-untyped-def]
    def check(ex: Subject) -> None:
        _first_problem(ex)
        expect(
            not _reference_problems(ex),
            "your tests do not all pass on the correct app, so none of them can catch a bug",
        )
        (run,) = [r for r in _runs(ex) if r.variant == bug]
        expect(_failed(run), f"no test of yours fails when {BUGS[bug]}")
        expect(
            bool(run.evidence.get("diverged")),
            f"your tests failed on the app where {BUGS[bug]}, but none of them sent the request "
            "that shows it: they failed for another reason",
        )

    check.__name__ = f"test_your_tests_catch_{bug}"
    return check


test_your_tests_catch_leaky_get_db = _catches("leaky_get_db")
test_your_tests_catch_missing_404 = _catches("missing_404")
test_your_tests_catch_wrong_status = _catches("wrong_status")
test_your_tests_catch_cors_allows_everything = _catches("cors_allows_everything")
test_your_tests_catch_unbounded_limit = _catches("unbounded_limit")
