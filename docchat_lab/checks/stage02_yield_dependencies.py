"""Checks for stage 02: `get_db` in my_docchat/api/deps.py, a dependency with `yield`.

The harness's session factory numbers its sessions and notes which were closed (`sessions`
probe), so "closed" here means `close()` ran: not a garbage collector that happened to pass.
"""

import random
import secrets
from typing import Any

from docchat_lab.grading.expect import about, expect, expect_equal, expect_status
from docchat_lab.grading.subject import CheckFailedError, Response, Subject

_WORDS = "harbour lantern meadow quartz saffron tundra violin walnut ember glacier".split()
CLOSE_IT = "close it after the yield: `with sessions() as session: yield session`"
RERAISE = "nothing around the yield may catch it (no `except`, or one that re-raises)"


def _word() -> str:
    return f"{random.choice(_WORDS)}-{secrets.token_hex(3)}"


def params() -> dict[str, Any]:
    # Fresh titles each run: only a session on the app's own database can read them.
    documents = [{"title": f"{_word()} notes", "content": "x y"} for _ in range(3)]
    return {"documents": documents}


def _session_of(response: Response, why: str) -> dict[str, Any]:
    """The facts a route reported about its session; fails unless it was one of the app's."""
    expect_status(response, 200, why=why)
    facts: dict[str, Any] = response.json()
    expect(
        facts.get("ours") is True,
        f"{response.request}: the route got a {facts.get('type')}, not a session from the app's "
        "session factory; expected get_db to take `sessions` (get_session_factory) and open "
        "one with `sessions()`",
    )
    return facts


def _sessions(ex: Subject) -> dict[str, Any]:
    value = ex.call("sessions")
    return value if isinstance(value, dict) else {}


def _expect_closed(ex: Subject, number: int, after: str) -> None:
    closed = _sessions(ex).get("closed", {}).get(str(number))
    expect(
        closed is True,
        f"after {after}, session {number} (the one that request got) was still open; "
        f"expected it closed: {CLOSE_IT}",
    )


def _escaped(response: Response) -> str:
    """`Type: message` of the exception that escaped the app: its first sentence, briefly."""
    exception = response.exception or {}
    message = str(exception.get("message", "")).split("\n")[0].split(". ")[0][:160]
    return f"{exception.get('type')}: {message}"


def _handed_to_the_last_route(ex: Subject, request: str) -> int:
    """The session a route that raised was handed (it cannot answer with it)."""
    number = _sessions(ex).get("last")
    if not isinstance(number, int) or number < 1:
        raise CheckFailedError(
            f"{request}: the route got no session from the app's session factory; expected "
            "get_db to open one with `sessions()`"
        )
    return number


@about("get_db")
def test_a_route_gets_an_open_session_on_the_apps_database(ex: Subject) -> None:
    response = ex.get("/titles")
    facts = _session_of(response, "a route that lists titles through SessionDep")
    expect(
        facts.get("open") is True,
        "GET /titles: the session was already closed when the route got it; expected an open "
        "session: yield it from inside the `with`, do not return it after the `with` ends",
    )
    expected = [d["title"] for d in ex.params["documents"]]
    expect_equal(facts.get("titles"), expected, "GET /titles: the titles the session read")


@about("get_db")
def test_the_session_is_closed_after_the_response(ex: Subject) -> None:
    numbers = []
    for request in (1, 2):
        facts = _session_of(ex.get("/titles"), f"request {request} of 2")
        _expect_closed(ex, int(facts["number"]), f"GET /titles answered 200 (request {request})")
        numbers.append(facts["number"])
    expect(
        numbers[0] != numbers[1],
        f"two requests to GET /titles both got session {numbers[0]}; expected a new session "
        "for each request: open it inside get_db, not once at import time",
    )


@about("get_db")
def test_one_session_per_request_shared_by_its_sub_dependencies(ex: Subject) -> None:
    seen = []
    for request in (1, 2):
        facts = _session_of(ex.get("/shared"), "a route and two sub-dependencies use SessionDep")
        number, helpers = facts["number"], facts.get("helpers")
        expect_equal(
            helpers,
            [number, number],
            f"GET /shared (request {request}): the sessions its two sub-dependencies got, "
            f"beside the route's session {number},",
        )
        seen.append(number)
    expect(seen[0] != seen[1], f"two requests to GET /shared shared session {seen[0]}")


@about("get_db")
def test_an_httpexception_passes_through_and_the_session_is_closed(ex: Subject) -> None:
    expect_status(ex.get("/titles"), 200, why="a route that succeeds")  # a positive control
    detail = f"no {_word()} here"
    response = ex.get(f"/missing/{detail.replace(' ', '%20')}")
    if response.status_code != 404 or response.exception is not None:
        escaped = f" ({_escaped(response)})" if response.exception else ""
        raise CheckFailedError(
            f"{response.request}: the route raised HTTPException(404, {detail!r}), and the "
            f"client got {response.status_code}{escaped}; expected that 404: it passes "
            f"through get_db on its way out, so {RERAISE}"
        )
    expect_equal(response.json(), {"detail": detail}, f"{response.request}: the body")
    number = _handed_to_the_last_route(ex, response.request)
    _expect_closed(ex, number, f"{response.request} answered 404")


@about("get_db")
def test_a_crash_reaches_the_server_as_the_routes_own_error(ex: Subject) -> None:
    expect_status(ex.get("/titles"), 200, why="a route that succeeds")
    message = f"boom-{secrets.token_hex(4)}"
    response = ex.get(f"/crash/{message}")
    got = _escaped(response) if response.exception else "no exception"
    if response.status_code != 500 or got != f"RuntimeError: {message}":
        raise CheckFailedError(
            f"{response.request}: the route raised RuntimeError({message!r}); the client got "
            f"{response.status_code} and the server saw {got}; expected a 500 with the route's "
            f"own RuntimeError reaching the server (that is what gets logged): {RERAISE}"
        )
    _expect_closed(
        ex, _handed_to_the_last_route(ex, response.request), f"{response.request} crashed"
    )


@about("get_db")
def test_get_db_leaves_commits_to_the_routes(ex: Subject) -> None:
    title = f"unsaved {_word()}"
    facts = _session_of(ex.post(f"/unsaved/{title.replace(' ', '%20')}"), "the route adds a row")
    _expect_closed(ex, int(facts["number"]), "POST /unsaved answered 200")
    stored = ex.call("stored_titles")
    expect(
        isinstance(stored, list) and title not in stored,
        f"POST /unsaved/... added a document and never committed it, yet {title!r} is stored; "
        "expected get_db not to commit: the routes commit where a failure can still become "
        "the response (closing the session rolls back what was not committed)",
    )
    expected = [d["title"] for d in ex.params["documents"]]
    expect(
        isinstance(stored, list) and set(expected) <= set(stored), "the seeded documents vanished"
    )
