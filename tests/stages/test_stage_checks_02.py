"""Stage 02's checks: the reference's get_db passes, the stub is "not written yet", and each
realistic wrong get_db fails the checks it should, saying why."""

from tests.stages.stage_answers import (
    StageChecksWithWrongAnswers,
    wrong,
)

STAGE = 2

REFERENCE = "    with sessions() as session:\n        yield session\n"
DEPS = "api/deps.py"
CLOSED = {
    "test_the_session_is_closed_after_the_response",
    "test_an_httpexception_passes_through_and_the_session_is_closed",
    "test_a_crash_reaches_the_server_as_the_routes_own_error",
    "test_get_db_leaves_commits_to_the_routes",
}
PASS_THROUGH = {
    "test_an_httpexception_passes_through_and_the_session_is_closed",
    "test_a_crash_reaches_the_server_as_the_routes_own_error",
}

WRONG = [
    wrong(
        "return, not yield: never closed",
        DEPS,
        REFERENCE,
        "    return sessions()\n",
        CLOSED,
        "was still open",
    ),
    wrong(
        "opened without with or finally",
        DEPS,
        REFERENCE,
        "    session = sessions()\n    yield session\n",
        CLOSED,
        "was still open",
    ),
    wrong(
        "one session kept for every request",
        DEPS,
        REFERENCE,
        "    if not hasattr(get_db, 'kept'):\n        get_db.kept = sessions()  # type: ignore\n"
        "    yield get_db.kept  # type: ignore\n",
        CLOSED
        | {
            "test_one_session_per_request_shared_by_its_sub_dependencies",
        },
        "session 1",
    ),
    wrong(
        "closed before the route gets it",
        DEPS,
        REFERENCE,
        "    with sessions() as session:\n        pass\n    yield session\n",
        {"test_a_route_gets_an_open_session_on_the_apps_database"},
        "closed",
    ),
    wrong(
        "an except that swallows",
        DEPS,
        REFERENCE,
        "    with sessions() as session:\n        try:\n            yield session\n"
        "        except Exception:\n            pass\n",
        PASS_THROUGH,
        "re-raises",
    ),
    wrong(
        "an except that raises a 500 of its own",
        DEPS,
        REFERENCE,
        "    with sessions() as session:\n        try:\n            yield session\n"
        "        except Exception as exc:\n"
        "            raise HTTPException(500, 'database error') from exc\n",
        PASS_THROUGH,
        "re-raises",
    ),
    wrong(
        "commits after yield",
        DEPS,
        REFERENCE,
        "    with sessions() as session:\n        yield session\n        session.commit()\n",
        {"test_get_db_leaves_commits_to_the_routes"},
        "never committed",
    ),
]


class TestStage02(StageChecksWithWrongAnswers):
    stage = 2
    harness = "stage02_yield_dependencies"
    checks = 6
    wrong = WRONG
