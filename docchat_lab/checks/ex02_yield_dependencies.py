"""Checks for exercise 2: get_db, get_db_transaction and their Annotated aliases.

Every check starts with a fresh connection pool, so that a leak fails the check that caused it,
not every check after it.
"""

import random
import secrets

from docchat_lab.grading.expect import about, expect, expect_equal, expect_status
from docchat_lab.grading.subject import CheckFailedError, Response, Subject

POOL = 2  # the harness's pool: two connections, no overflow
CRASH_MESSAGE = "a deliberate crash in the endpoint"  # what the harness's /crash raises
REFUSED = "refused after writing"  # the detail of the harness's refusing routes
NOT_CLOSED = "a session was not closed"
MUST_RERAISE = "an `except` around `yield` must re-raise"


def _tag_name() -> str:
    return f"tag-{secrets.token_hex(5)}"


def _exception(response: Response) -> str:
    """`TypeError: ...` for the exception that escaped the app, or nothing."""
    if response.exception is None:
        return ""
    message = str(response.exception.get("message", ""))
    # SQLAlchemy appends the SQL and a link on further lines: the first line says it all.
    message = message.split("\n")[0].split(" (Background on this error")[0]
    return f"{response.exception.get('type')}: {message[:110]}"


def _escaped(response: Response) -> str:
    return f" ({_exception(response)})" if response.exception is not None else ""


def _pool_ran_dry(response: Response) -> bool:
    exception = response.exception or {}
    message = str(exception.get("message", ""))
    return exception.get("type") == "TimeoutError" and "QueuePool limit" in message


def _stop_if_not_written(response: Response) -> None:
    """A stub's NotImplementedError is reported as "not done yet", before anything else."""
    if response.exception is not None and response.exception.get("type") == "NotImplementedError":
        response.raise_for_learner_error()


def _start_with_a_full_pool(ex: Subject) -> None:
    ex.call("fresh_pool")


def _expect_no_leak(ex: Subject, after: str) -> None:
    in_use = ex.call("connections_in_use")
    were = "was" if in_use == 1 else "were"
    expect(
        in_use == 0,
        f"after {after}, {in_use} of the pool's {POOL} connections {were} still checked out: "
        f"{NOT_CLOSED} (close it in a `finally`, or open it with `with SessionLocal() as db:`)",
    )


def _expect_passed_through(response: Response, status: int, what: str) -> None:
    """The endpoint raised HTTPException(status): the client must get exactly that."""
    _stop_if_not_written(response)
    if response.status_code != status:
        raise CheckFailedError(
            f"{response.request} answered {response.status_code}{_escaped(response)}; "
            f"expected {status}, because {what} raised HTTPException({status}). It has to pass "
            f"through the dependency untouched: {MUST_RERAISE}"
        )


def _stored(ex: Subject) -> list[str]:
    """The tag names in the database, read by the harness with a session of its own."""
    names = ex.call("stored_tag_names")
    return names if isinstance(names, list) else []


@about("get_db()")
def test_get_db_serves_a_working_session(ex: Subject) -> None:
    _start_with_a_full_pool(ex)
    name = _tag_name()
    created = ex.post("/tags", json_body={"name": name})
    expect_status(created, 201, why="a route that adds a tag with get_db's session, and commits")
    expect_equal(created.json().get("name"), name, "POST /tags, field name")
    listed = ex.get("/tags")
    expect_status(listed, 200)
    expect(name in listed.json(), "GET /tags does not list the tag POST /tags just created")


@about("get_db()")
def test_get_db_opens_a_new_session_for_each_request(ex: Subject) -> None:
    _start_with_a_full_pool(ex)
    for number in (1, 2):
        response = ex.get("/session")
        expect_status(response, 200)
        facts = response.json()
        expect(
            facts.get("from_session_local") is True,
            f"GET /session (request {number}): the session is not bound to SessionLocal's "
            "engine; expected a session made by SessionLocal()",
        )
        expect(
            facts.get("fresh") is True,
            f"GET /session (request {number}): the endpoint got a session that an earlier "
            "request had already used; expected a new SessionLocal() for every request",
        )


@about("get_db()")
def test_get_db_closes_the_session_after_each_request(ex: Subject) -> None:
    _start_with_a_full_pool(ex)
    requests = 3 * POOL
    for number in range(1, requests + 1):
        response = ex.get("/tags")
        _stop_if_not_written(response)
        if _pool_ran_dry(response):
            raise CheckFailedError(
                f"request {number} of {requests} in a row, GET /tags, answered "
                f"{response.status_code}{_escaped(response)}; expected 200 every time. "
                f"{NOT_CLOSED.capitalize()} after its request, so the pool's {POOL} connections "
                "ran dry: yield the session, and close it afterwards"
            )
        expect_status(response, 200, why=f"request {number} of {requests} in a row")
    _expect_no_leak(ex, f"{requests} requests in a row")


@about("get_db()")
def test_not_found_stays_a_404_and_the_session_is_closed(ex: Subject) -> None:
    _start_with_a_full_pool(ex)
    tag_id = random.randint(10_000, 10**9)
    response = ex.get(f"/tags/{tag_id}")
    _expect_passed_through(response, 404, "the endpoint")
    expect_equal(response.json(), {"detail": f"tag {tag_id} not found"}, f"GET /tags/{tag_id}")
    _expect_no_leak(ex, "a request whose endpoint raised HTTPException(404)")


@about("get_db()")
def test_a_crash_is_a_500_and_the_session_is_closed(ex: Subject) -> None:
    _start_with_a_full_pool(ex)
    response = ex.get("/crash")
    _stop_if_not_written(response)
    expect(
        response.status_code == 500,
        f"GET /crash answered {response.summary()}; expected 500 (the endpoint crashed)",
    )
    if _exception(response) != f"RuntimeError: {CRASH_MESSAGE}":
        raise CheckFailedError(
            f"GET /crash: the endpoint raised RuntimeError({CRASH_MESSAGE!r}), but what reached "
            f"the server was {_exception(response) or 'no exception at all'}; expected the "
            f"endpoint's own exception: {MUST_RERAISE} it unchanged, so that the server logs "
            "the real error"
        )
    _expect_no_leak(ex, "a request whose endpoint crashed")


@about("get_db()")
def test_a_refused_request_keeps_nothing(ex: Subject) -> None:
    _start_with_a_full_pool(ex)
    name = _tag_name()
    response = ex.post("/tags/refused", json_body={"name": name})
    _expect_passed_through(response, 400, "the endpoint (after adding a tag)")
    expect_equal(response.json(), {"detail": REFUSED}, "POST /tags/refused")
    expect(
        name not in _stored(ex),
        "POST /tags/refused added a tag and then raised HTTPException(400), yet the tag was "
        "stored; expected nothing kept: get_db must not commit (the routes commit themselves)",
    )


def _create_in_transaction(ex: Subject, name: str) -> Response:
    return ex.post("/tx/tags", json_body={"name": name}, app="tx")


@about("get_db_transaction()", "TransactionDep")
def test_transaction_commits_a_successful_request(ex: Subject) -> None:
    _start_with_a_full_pool(ex)
    name = _tag_name()
    response = _create_in_transaction(ex, name)
    expect_status(response, 201, why="a route that only adds a tag through TransactionDep")
    expect(
        name in _stored(ex),
        "POST /tx/tags answered 201, but the tag is not in the database; expected the "
        "dependency to commit once the endpoint has returned",
    )


@about("get_db_transaction()", "TransactionDep")
def test_transaction_turns_a_failed_commit_into_a_409(ex: Subject) -> None:
    _start_with_a_full_pool(ex)
    name = _tag_name()
    expect_status(_create_in_transaction(ex, name), 201, why="the first tag with this name")
    duplicate = _create_in_transaction(ex, name)
    _stop_if_not_written(duplicate)
    said = f"the second POST /tx/tags with the same name answered {duplicate.status_code}"
    if duplicate.status_code < 400:
        raise CheckFailedError(
            f"{said} although its commit failed{_escaped(duplicate)}; expected 409. The commit "
            "ran after the response had gone out: declare TransactionDep with "
            'Depends(get_db_transaction, scope="function")'
        )
    expect(
        duplicate.status_code == 409 and duplicate.exception is None,
        f"{said}{_escaped(duplicate)}; expected 409: catch IntegrityError around the commit, "
        "roll back, and raise HTTPException(409)",
    )
    body = duplicate.json()
    detail = body.get("detail") if isinstance(body, dict) else None
    expect(isinstance(detail, str) and bool(detail), f"{said} with no text detail: {body!r}")
    expect_equal(_stored(ex).count(name), 1, "the number of stored tags with that name")
    _expect_no_leak(ex, "a commit that failed")


@about("get_db_transaction()", "TransactionDep")
def test_transaction_rolls_back_when_the_endpoint_raises(ex: Subject) -> None:
    _start_with_a_full_pool(ex)
    name = _tag_name()
    response = ex.post("/tx/tags/refused", json_body={"name": name}, app="tx")
    _expect_passed_through(response, 400, "the endpoint (after adding a tag)")
    expect(
        name not in _stored(ex),
        "POST /tx/tags/refused added a tag and then raised HTTPException(400), yet the tag was "
        "stored; expected a rollback: commit only when the endpoint returned normally",
    )
    _expect_no_leak(ex, "a request whose endpoint raised HTTPException(400)")


@about("SessionDep")
def test_session_dep_alias_works_in_a_route(ex: Subject) -> None:
    _start_with_a_full_pool(ex)
    response = ex.get("/alias/tags", app="aliases")
    expect_status(response, 200, why="a route declared as `def list_tags(db: SessionDep)`")
    expect(
        isinstance(response.json(), list),
        f"GET /alias/tags answered {response.summary()}; expected a JSON list",
    )
