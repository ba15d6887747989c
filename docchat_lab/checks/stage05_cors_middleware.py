"""Checks for stage 05: install_middleware (CORS from the settings) and the timing middleware."""

import random
import secrets
from typing import Any

from docchat_lab.grading.expect import about, expect, expect_equal, expect_header, expect_status
from docchat_lab.grading.subject import CheckFailedError, Response, Subject

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACEH = "Access-Control-Expose-Headers"
TIMING = "X-Process-Time-Ms"
NOT_LISTED = "not one of the configured origins"


def params() -> dict[str, Any]:
    # Fresh origins each run: only code that reads the settings can allow them.
    origins = [
        f"https://app-{secrets.token_hex(3)}.example.com",
        f"http://localhost:{random.randint(3001, 3999)}",
    ]
    return {
        "apps": {
            "main": (origins, True),
            "no-credentials": (origins, False),
            "wildcard": (["*"], False),
        },
        "sleep_ms": random.randint(150, 300),
    }


def _origins(ex: Subject) -> list[str]:
    origins: list[str] = ex.params["apps"]["main"][0]
    return origins


def _stranger() -> str:
    return f"https://evil-{secrets.token_hex(3)}.example.net"


def _preflight(ex: Subject, origin: str, app: str = "main") -> Response:
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    return ex.options("/documents/", app=app, headers=headers)


def _expect_allowed(ex: Subject, origin: str, app: str = "main") -> Response:
    response = _preflight(ex, origin, app)
    expect_status(response, 200, why=f"a preflight from {origin}, an allowed origin")
    expect_header(response, ACAO, origin, why="the preflight must name the origin it allows")
    return response


@about("install_middleware")
def test_a_preflight_from_an_allowed_origin_is_answered(ex: Subject) -> None:
    for origin in _origins(ex):
        response = _expect_allowed(ex, origin)
        expect_header(response, ACAC, "true", why="cors_allow_credentials is true")


@about("install_middleware")
def test_a_preflight_from_another_origin_is_refused(ex: Subject) -> None:
    _expect_allowed(ex, _origins(ex)[0])  # a CORS that refuses everything must not pass
    stranger = _stranger()
    response = _preflight(ex, stranger)
    expect_status(response, 400, why=f"{stranger} is {NOT_LISTED}")
    expect_header(response, ACAO, None, why=f"{stranger} is {NOT_LISTED}")


@about("install_middleware")
def test_another_origin_still_gets_the_data_but_no_header(ex: Subject) -> None:
    origin = _origins(ex)[1]
    allowed = ex.get("/documents/", headers={"Origin": origin})
    expect_status(allowed, 200)
    expect_header(allowed, ACAO, origin, why=f"GET from {origin}, an allowed origin")
    stranger = _stranger()
    response = ex.get("/documents/", headers={"Origin": stranger})
    expect_status(
        response,
        200,
        why="CORS does not stop a request at the server: the route still runs and answers; "
        "only the browser hides the answer",
    )
    expect_equal(response.json(), allowed.json(), f"GET /documents/ from {stranger}")
    expect_header(response, ACAO, None, why=f"{stranger} is {NOT_LISTED}")


@about("install_middleware")
def test_credentials_are_allowed_only_when_the_settings_say_so(ex: Subject) -> None:
    origin = _origins(ex)[0]
    with_them = _expect_allowed(ex, origin, "main")
    expect_header(with_them, ACAC, "true", why="cors_allow_credentials=True")
    without = _expect_allowed(ex, origin, "no-credentials")
    expect_header(
        without,
        ACAC,
        None,
        why="cors_allow_credentials=False: never tell a browser it may send cookies",
    )


@about("install_middleware")
def test_a_wildcard_without_credentials_allows_any_origin_and_no_cookies(ex: Subject) -> None:
    stranger = _stranger()
    response = _preflight(ex, stranger, "wildcard")
    expect_status(response, 200, why='cors_origins=["*"] allows every origin')
    allowed = response.headers.get(ACAO)
    expect(
        allowed in ("*", stranger),
        f"the preflight from {stranger} got {ACAO}: {allowed!r}; expected '*'",
    )
    expect_header(
        response, ACAC, None, why='["*"] with credentials would let any site act as the user'
    )


def _timing(response: Response) -> float:
    response.raise_for_learner_error()
    value = response.headers.get(TIMING)
    if value is None:
        raise CheckFailedError(f"{response.request} answered without an {TIMING} header")
    try:
        return float(value)
    except ValueError:
        raise CheckFailedError(
            f"{response.request}: {TIMING} is {value!r}; expected a number of milliseconds"
        ) from None


@about("ProcessTimeMiddleware")
def test_every_response_carries_the_time_in_milliseconds(ex: Subject) -> None:
    ms = ex.params["sleep_ms"]
    slow = ex.get(f"/_slow?ms={ms}")
    expect_status(slow, 200)
    took = _timing(slow)
    expect(
        took >= ms * 0.9,
        f"GET /_slow?ms={ms} takes {ms} ms, but {TIMING} says {took:g}: "
        + ("seconds, not milliseconds? multiply by 1000" if took < ms / 100 else "too little"),
    )
    expect(took < ms + 60_000, f"{TIMING} says {took:g} ms for a {ms} ms request")
    for response in (ex.get("/documents/999999"), ex.get("/no/such/path")):
        _timing(response)


@about("install_middleware", "ProcessTimeMiddleware")
def test_the_timing_middleware_is_outermost(ex: Subject) -> None:
    origin = _origins(ex)[0]
    _timing(_expect_allowed(ex, origin))  # CORS answers preflights itself: outside it only


@about("install_middleware")
def test_browsers_may_read_the_timing_header(ex: Subject) -> None:
    origin = _origins(ex)[0]
    response = ex.get("/documents/", headers={"Origin": origin})
    expect_status(response, 200)
    exposed = (response.headers.get(ACEH) or "").lower()
    expect(
        TIMING.lower() in [h.strip() for h in exposed.split(",")],
        f"GET /documents/ from {origin}: {ACEH} is {exposed or 'missing'!r}; expected it to "
        f"list {TIMING}, or scripts in the browser cannot read it",
    )
