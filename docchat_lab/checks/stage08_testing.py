"""Checks for stage 08: the learner's tests in my_docchat/tests/.

Their test_api.py runs against copies of the kit's DocChat, served from another process: the
correct one (every test must pass) and copies with one bug each (some test must fail on each,
having sent the request that shows the bug); see served_verdicts. Their conftest's fixtures
are checked by running the whole folder once more in a process of its own, where each app
their `create_app(settings)` builds is a correct DocChat in that other process, which sees what
the fixtures do with it. A test process's outcomes are a claim, believed only with that evidence.
"""

from docchat_lab.checks.served_verdicts import ServedVerdicts, outcomes
from docchat_lab.grading.expect import about, expect
from docchat_lab.grading.subject import Subject
from docchat_lab.harness.stage08_app import BUGS, FIXTURES

APP = "docchat_lab.harness.stage08_app"
SERVED_APPS = (APP,)
VERDICTS = ServedVerdicts(
    APP, BUGS, what="my_docchat/tests/test_api.py", more_runs={FIXTURES: "run_own_tests"}
)
NEW_APP = "each test gets a new app, on a new empty database"
# What the app process saw the fixtures do -> what is wrong, as the learner reads it.
SEEN = {
    "unstarted": "a request reached an app never started: build it in `with TestClient(...)`, "
    "whose start-up creates the tables",
    "shared": f"two apps used one database file: {NEW_APP}",
    "key": "settings give an OpenAI key: the tests must not call OpenAI",
    "not_sqlite": "settings name a database that is not SQLite",
}


@about("conftest.py: settings, client")
def test_your_tests_pass_with_your_fixtures_on_your_docchat(ex: Subject) -> None:
    VERDICTS.first_problem(ex)
    (run,) = [r for r in VERDICTS.runs(ex) if r.variant == FIXTURES]
    expect(run.claim is not None, f"pytest my_docchat/tests did not finish ({run.failure})")
    found = outcomes(run)
    expect(bool(found), "pytest my_docchat/tests ran no tests: name them test_...")
    broken = sorted(
        f"{name} ({outcome.get('error') or outcome.get('outcome')})"
        for name, outcome in found.items()
        if outcome.get("outcome") in ("failed", "error")
    )
    expect(
        not broken,
        f"pytest my_docchat/tests, with your conftest.py: {', '.join(broken)}; "
        f"expected every test to pass ({NEW_APP})",
    )
    # The outcomes above come from the learner's process; what follows, from the app's.
    seen = [text for key, text in SEEN.items() if run.evidence.get(key)]
    expect(not seen, f"pytest my_docchat/tests, with your conftest.py: {'; '.join(seen)}")
    expect(
        bool(run.evidence.get("requests")),
        "pytest my_docchat/tests sent no request to an app from your `client` fixture: "
        "build it with create_app(settings)",
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
