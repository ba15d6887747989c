"""Checks for exercise 5: CORS configured from a list, and a timing middleware in milliseconds."""

import math
import random
import secrets
from typing import Any
from urllib.parse import urlsplit

from docchat_lab.grading.expect import about, expect, expect_equal, expect_header, expect_status
from docchat_lab.grading.subject import Response, Subject

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
TIMING = "X-Process-Time-Ms"
DATA = {"documents": ["handbook.md", "faq.md"], "count": 2}
NOT_LISTED = "not one of the configured origins"


def params() -> dict[str, Any]:
    # Fresh origins each run: an answer that lists the origins itself cannot pass.
    return {
        "origins": [
            f"https://app-{secrets.token_hex(3)}.example.com",
            f"http://localhost:{random.randint(3001, 3999)}",
            f"http://docs-{secrets.token_hex(3)}.test:{random.randint(4000, 9999)}",
        ]
    }


def _stranger() -> str:
    return f"https://evil-{secrets.token_hex(3)}.example.net"


def _preflight(ex: Subject, origin: str, app: str = "cors") -> Response:
    return ex.options(
        "/data",
        app=app,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )


def _configure(
    ex: Subject, origins: Any, allow_credentials: bool = True
) -> tuple[str, dict[str, Any]]:
    call = f"add_cors(app, {origins!r}, allow_credentials={allow_credentials})"
    return call, ex.call("configure", origins=origins, allow_credentials=allow_credentials)


def _expect_refused(
    ex: Subject, origins: Any, allow_credentials: bool, why: str, *, type_error_ok: bool = False
) -> None:
    call, outcome = _configure(ex, origins, allow_credentials)
    wanted = "a TypeError or ValueError" if type_error_ok else "a ValueError"
    expect(
        outcome.get("raised") is not None,
        f"{call} returned without an error; expected {wanted}: {why}",
    )
    accepted = outcome.get("value_error") or (type_error_ok and outcome.get("type_error"))
    expect(
        bool(accepted),
        f"{call} raised {outcome.get('raised')}: {outcome.get('message')!r}; expected {wanted}",
    )


@about("add_cors()")
def test_preflight_from_an_allowed_origin(ex: Subject) -> None:
    for origin in ex.params["origins"]:
        response = _preflight(ex, origin)
        expect_status(
            response, 200, why=f"a preflight from {origin}, one of the configured origins"
        )
        expect_header(response, ACAO, origin, why="the preflight must name the origin it allows")
        expect_header(response, ACAC, "true", why="credentials are allowed by default")


@about("add_cors()")
def test_preflight_from_another_origin_is_refused(ex: Subject) -> None:
    stranger = _stranger()
    response = _preflight(ex, stranger)
    expect_status(response, 400, why=f"{stranger} is {NOT_LISTED}")
    expect_header(response, ACAO, None, why=f"{stranger} is {NOT_LISTED}")


@about("add_cors()")
def test_allowed_origin_can_read_a_simple_request(ex: Subject) -> None:
    origin = random.choice(ex.params["origins"])
    response = ex.get("/data", app="cors", headers={"Origin": origin})
    expect_status(response, 200)
    expect_header(response, ACAO, origin, why=f"GET from {origin}, one of the configured origins")
    expect_header(response, ACAC, "true", why="credentials are allowed by default")


@about("add_cors()")
def test_other_origin_still_gets_the_data_but_no_header(ex: Subject) -> None:
    # The positive control first: an app with no CORS at all would pass the rest.
    origin = random.choice(ex.params["origins"])
    allowed = ex.get("/data", app="cors", headers={"Origin": origin})
    expect_header(allowed, ACAO, origin, why=f"GET from {origin}, one of the configured origins")
    stranger = _stranger()
    response = ex.get("/data", app="cors", headers={"Origin": stranger})
    expect_status(
        response,
        200,
        why="CORS does not stop a request at the server: the endpoint "
        "still runs and answers, only the browser hides the answer",
    )
    expect_equal(response.json(), DATA, f"GET /data from {stranger}")
    expect_header(response, ACAO, None, why=f"{stranger} is {NOT_LISTED}")


@about("add_cors()")
def test_credentials_only_when_allowed(ex: Subject) -> None:
    # The positive control first: a wildcard without credentials answers any site with "*".
    stranger = _stranger()
    public = ex.get("/data", app="public", headers={"Origin": stranger})
    call = "add_cors(app, ['*'], allow_credentials=False)"
    expect_header(public, ACAO, "*", why=f"{call}: any site may read it")
    expect_header(public, ACAC, None, why=f"{call}: any site, but never with cookies")
    origin = random.choice(ex.params["origins"])
    response = ex.get("/data", app="no_credentials", headers={"Origin": origin})
    call = "add_cors(app, origins, allow_credentials=False)"
    expect_header(response, ACAC, None, why=f"{call}: cookies must not be allowed")


@about("add_cors()")
def test_127_0_0_1_and_another_port_are_other_origins(ex: Subject) -> None:
    local = next(o for o in ex.params["origins"] if o.startswith("http://localhost:"))
    port = urlsplit(local).port or 80
    for other in (f"http://127.0.0.1:{port}", f"http://localhost:{port + 1}"):
        response = _preflight(ex, other)
        why = f"only {local} is configured; {other} is {NOT_LISTED}"
        expect_status(response, 400, why=why)
        simple = ex.get("/data", app="cors", headers={"Origin": other})
        expect_header(simple, ACAO, None, why=why)


@about("add_cors()")
def test_wildcard_with_credentials_is_refused(ex: Subject) -> None:
    why = "Starlette would echo ANY origin back with credentials allowed"
    _expect_refused(ex, ["*"], True, why)
    _expect_refused(ex, ["http://localhost:3000", "*"], True, why)
    call, outcome = _configure(ex, ["*"], False)
    expect(
        outcome.get("raised") is None,
        f"{call} raised {outcome.get('raised')}: {outcome.get('message')!r}; expected it to be "
        "accepted: '*' without credentials is a public API, which is allowed",
    )


@about("add_cors()")
def test_origin_with_a_path_or_trailing_slash_is_refused(ex: Subject) -> None:
    origin = ex.params["origins"][0]
    why = "the browser sends the origin without a path, so this entry would never match"
    _expect_refused(ex, [origin + "/"], True, why)
    _expect_refused(ex, [ex.params["origins"][1], origin + "/app"], True, why)


@about("add_cors()")
def test_one_string_instead_of_a_list_is_refused(ex: Subject) -> None:
    _expect_refused(
        ex,
        ex.params["origins"][1],
        True,
        "with a string, Starlette's `origin in allow_origins` becomes a substring "
        "test, and Origin: http://l would be allowed",
        type_error_ok=True,
    )


def _milliseconds(response: Response, what: str = "") -> float:
    """The response's timing header as a number; fails when it is missing or not a number."""
    raw = response.headers.get(TIMING)
    expect(
        raw is not None,
        f"{response.request}{what} answered {response.status_code} with no "
        f"{TIMING} header; expected it on every response",
    )
    try:
        value = float(raw or "")
    except ValueError:
        value = math.nan
    expect(
        math.isfinite(value) and value >= 0,
        f"{response.request}: {TIMING} is {raw!r}; expected a decimal number such as '12.34'",
    )
    return value


@about("add_timing()")
def test_timing_header_is_in_milliseconds(ex: Subject) -> None:
    ms = random.randint(100, 130)
    response = ex.get(f"/slow?ms={ms}", app="timing")
    expect_status(response, 200)
    slow = _milliseconds(response)
    seconds = " (that is the time in seconds: multiply by 1000)" if slow < 10 else ""
    expect(
        slow >= ms * 0.9,
        f"GET /slow?ms={ms} sleeps {ms} ms, but its {TIMING} header says "
        f"{slow:g}; expected at least {ms}{seconds}",
    )
    expect(
        slow < ms + 5000,
        f"GET /slow?ms={ms} sleeps {ms} ms, but its {TIMING} header says "
        f"{slow:g}; expected milliseconds, not microseconds",
    )
    response = ex.get("/data", app="timing")
    expect_status(response, 200)
    fast = _milliseconds(response)
    expect(
        fast < slow,
        f"GET /data (no sleep) reported {fast:g} ms and GET /slow?ms={ms} "
        f"{slow:g} ms; expected the quick request to report less: time each "
        "request from its own start",
    )


@about("add_timing()")
def test_timing_header_on_every_response(ex: Subject) -> None:
    origin = ex.params["origins"][0]
    cases = [
        (ex.get("/data", app="timing"), 200, "a route"),
        (ex.get("/no-such-page", app="timing"), 404, "a 404"),
        (ex.get("/slow?ms=soon", app="timing"), 422, "a validation error"),
        (_preflight(ex, origin, app="timing"), 200, "a preflight CORSMiddleware answered itself"),
        (_preflight(ex, _stranger(), app="timing"), 400, "a preflight CORSMiddleware refused"),
    ]
    for response, status, what in cases:
        expect_status(response, status)
        _milliseconds(response, f" ({what})")
