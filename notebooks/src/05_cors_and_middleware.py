# %% [markdown]
# # 05 · CORS and middleware
#
# Your Next.js app on `http://localhost:3000` calls DocChat on `http://localhost:8000`, and the
# browser console says *"blocked by CORS policy"*, while the same request works in curl. This
# notebook takes CORS apart with real requests that carry an `Origin` header: the preflight, the
# simple request, what an allowed and a refused origin get back, and the traps the lesson does not
# mention (a crash that looks like a CORS error, `127.0.0.1` versus `localhost`, a trailing slash,
# a wildcard with credentials, a string where a list belongs). Then middleware itself: the
# lesson's timing middleware and its unit bug, what `BaseHTTPMiddleware` cannot time, why DocChat
# uses a pure ASGI middleware, and in which order middleware runs.
#
# **After this notebook you can:**
# - say what an origin is and when the browser sends a preflight;
# - read a CORS response and tell an allowed origin from a refused one;
# - explain why CORS protects the browser's user and never the server;
# - diagnose "works in Postman, fails in React" in under a minute;
# - write a timing middleware that reports real milliseconds, as a pure ASGI middleware;
# - predict the order in which middleware runs.

# %%
# Warnings are errors here, as in the test suite: a deprecation fails the cell that causes it.
import warnings

warnings.simplefilter("error")
# ipykernel warns about its own shutdown code; that is the kernel's business, not the lesson's.
warnings.filterwarnings("default", module="ipykernel")

from docchat_lab.notebook import setup

setup()

# %% [markdown]
# ## 1. Origins and the same-origin policy
#
# An **origin** is the triple *(scheme, host, port)* of a URL. The path does not count. A page may
# read responses from its own origin freely; for any other origin, the browser sends the request
# but hides the response from the page's JavaScript, unless the server opts in with CORS headers.
# That rule is the **same-origin policy**, and it is enforced by the browser alone: curl, Postman,
# Python and other servers ignore it.
#
# Change any part of the triple and you have a different origin, including the port, which is why
# a frontend on port 3000 calling an API on port 8000 is a cross-origin call. The host is compared
# as text: `localhost` and `127.0.0.1` reach the same machine but are different origins.

# %%
from urllib.parse import urlsplit


def origin_of(url: str) -> str:
    """What the browser puts in the Origin header for a page at `url`."""
    parts = urlsplit(url)
    default_port = {"http": 80, "https": 443}[parts.scheme]
    port = "" if parts.port in (None, default_port) else f":{parts.port}"
    return f"{parts.scheme}://{parts.hostname}{port}"


frontend = origin_of("http://localhost:3000/chat?doc=1")
pairs = {
    "same page, other path": "http://localhost:3000/settings",
    "the API on port 8000": "http://localhost:8000/documents/",
    "127.0.0.1 instead of localhost": "http://127.0.0.1:3000/chat",
    "https instead of http": "https://localhost:3000/chat",
}
same = {label: origin_of(url) == frontend for label, url in pairs.items()}
assert same == {
    "same page, other path": True,
    "the API on port 8000": False,
    "127.0.0.1 instead of localhost": False,
    "https instead of http": False,
}
print("the frontend's origin:", frontend)
for label, is_same in same.items():
    print(f"  {label:<32} same origin: {is_same}")

# %% [markdown]
# ## 2. Simple requests and preflights
#
# For a cross-origin call, the browser does one of two things:
#
# - **A simple request** (a `GET`, `HEAD` or `POST` with only "safelisted" headers and a form or
#   plain-text body) goes straight out with an `Origin` header. The server answers as usual; the
#   browser then hands the response to the page only if it carries
#   `Access-Control-Allow-Origin` naming that origin.
# - **Anything else** (a JSON body, an `Authorization` header, `PUT`, `DELETE`...) is first
#   *asked about*: the browser sends a **preflight**, an `OPTIONS` request with
#   `Access-Control-Request-Method` (and `-Headers`), and sends the real request only if the
#   preflight's answer allows it.
#
# A React app posting JSON to DocChat therefore triggers a preflight first. Starlette's
# `CORSMiddleware` answers preflights itself (your endpoint never sees them) and adds the headers
# to ordinary responses. Below is the lesson's configuration, on a tiny app whose endpoint counts
# how often it really ran.

# %%
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.testclient import TestClient

FRONTEND = "http://localhost:3000"
EVIL = "https://evil.example"
endpoint_runs: list[str] = []


def make_api(**cors_options: object) -> FastAPI:
    app = FastAPI()
    app.add_middleware(CORSMiddleware, **cors_options)

    @app.get("/profile")
    def profile() -> dict[str, str]:
        endpoint_runs.append("profile")
        return {"email": "ada@example.com"}

    return app


lesson_cors = {
    "allow_origins": [FRONTEND],
    "allow_credentials": True,
    "allow_methods": ["*"],
    "allow_headers": ["*"],
}
api = TestClient(make_api(**lesson_cors))


def preflight(client: TestClient, origin: str, path: str = "/profile"):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )


def cors_headers(response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-allow")}


print("CORS middleware ready for", lesson_cors["allow_origins"])

# %% [markdown]
# The lesson's configuration is right. A preflight from the allowed origin gets `200` and the
# headers that let the browser go ahead; a preflight from any other origin gets
# `400 Disallowed CORS origin`, and the browser stops there.

# %%
# erratum 16: preflight from the allowed origin -> 200 with the headers; any other -> 400
endpoint_runs.clear()
allowed = preflight(api, FRONTEND)
refused = preflight(api, EVIL)

assert allowed.status_code == 200
assert allowed.headers["access-control-allow-origin"] == FRONTEND
assert allowed.headers["access-control-allow-credentials"] == "true"
assert allowed.headers["access-control-allow-headers"] == "authorization"
assert refused.status_code == 400
assert refused.text == "Disallowed CORS origin"
assert "access-control-allow-origin" not in refused.headers
assert endpoint_runs == []  # preflights are answered by the middleware alone

print("preflight from", FRONTEND, "->", allowed.status_code)
for name, value in sorted(cors_headers(allowed).items()):
    print(f"    {name}: {value}")
print("preflight from", EVIL, "->", refused.status_code, refused.text)

# %% [markdown]
# Now the surprise. A *simple* request from a refused origin is not refused at all: the endpoint
# runs and answers `200` with the data. The only difference is the missing
# `Access-Control-Allow-Origin` header, so a *browser* will not let the page read the answer. Any
# non-browser client reads it just fine.

# %%
# erratum 17: a refused origin still runs the endpoint: 200 with the data, only the header missing
endpoint_runs.clear()
from_frontend = api.get("/profile", headers={"Origin": FRONTEND})
from_evil = api.get("/profile", headers={"Origin": EVIL})

assert endpoint_runs == ["profile", "profile"]  # the endpoint ran both times
assert from_evil.status_code == 200
assert from_evil.json() == {"email": "ada@example.com"}  # the data went out
assert from_frontend.headers["access-control-allow-origin"] == FRONTEND
assert "access-control-allow-origin" not in from_evil.headers  # only this is missing

print("endpoint runs:", len(endpoint_runs))
for label, response in (("allowed origin", from_frontend), ("refused origin", from_evil)):
    print(
        f"{label}: {response.status_code} {response.json()}",
        "| Access-Control-Allow-Origin:",
        response.headers.get("access-control-allow-origin", "(missing)"),
    )

# %% [markdown]
# So CORS protects **the browser's user**, not the server. It stops a page on `evil.example` from
# reading your API's answers *with the visitor's cookies*; it does not stop anyone from calling
# your API. Side effects happen too: a simple `POST` from a hostile page reaches the endpoint and
# runs it (the browser only hides the answer). Protect the server with authentication,
# authorisation and CSRF defences (SameSite cookies, tokens), never with CORS.
#
# > **PHP bridge.** In plain PHP you wrote `header('Access-Control-Allow-Origin: ...')` by hand
# > and answered `OPTIONS` yourself. Laravel ships the `HandleCors` middleware configured in
# > `config/cors.php`; Symfony has NelmioCorsBundle. `CORSMiddleware` is the same thing, and has
# > the same limits: it writes headers, and the browser does the enforcing.

# %% [markdown]
# ## 3. Wildcard plus credentials: any origin, with cookies
#
# `allow_origins=["*"]` on its own is fine for a public API: the answer is
# `Access-Control-Allow-Origin: *`, and a browser never lets a page read a response to a request
# made *with credentials* (cookies, HTTP auth) when the answer says `*`. Add
# `allow_credentials=True`, and Starlette stops answering `*`: it copies **whatever origin asked**
# into the header and adds `Access-Control-Allow-Credentials: true`. Any website may now make
# credentialed calls to your API and read the answers; only the cookies' own `SameSite` setting
# still stands in the way.

# %%
# erratum 18: allow_origins=["*"] + allow_credentials=True echoes ANY origin back, with credentials
wide_open = TestClient(make_api(allow_origins=["*"], allow_credentials=True, allow_headers=["*"]))
public = TestClient(make_api(allow_origins=["*"]))

echoed = wide_open.get("/profile", headers={"Origin": EVIL})
echoed_preflight = preflight(wide_open, EVIL)
starred = public.get("/profile", headers={"Origin": EVIL})

assert echoed.headers["access-control-allow-origin"] == EVIL
assert echoed.headers["access-control-allow-credentials"] == "true"
assert echoed_preflight.status_code == 200
assert echoed_preflight.headers["access-control-allow-origin"] == EVIL
assert starred.headers["access-control-allow-origin"] == "*"
assert "access-control-allow-credentials" not in starred.headers

print('["*"] + credentials, request from', EVIL)
for name, value in sorted(cors_headers(echoed).items()):
    print(f"    {name}: {value}")
print('["*"] alone:', cors_headers(starred))

# %% [markdown]
# ## 4. "Works in Postman, fails in React": the other causes
#
# When the browser reports a CORS error, the cause is often somewhere else.
#
# **A crash looks like a CORS error.** Starlette turns an unhandled exception into a `500` in
# `ServerErrorMiddleware`, the outermost layer of the app, *outside* `CORSMiddleware`. So that
# `500` carries no CORS headers, the browser hides it, and the console says "CORS" instead of
# "your server crashed". An `HTTPException` (a 404, a 422) is turned into a response *inside*
# the CORS layer and keeps its headers. When you see a CORS error, read the server log first.

# %%
# erratum 19: an unhandled 500 carries no CORS headers, so a crash looks like a CORS error
from fastapi import HTTPException

fragile = make_api(**lesson_cors)


@fragile.get("/crash")
def crash() -> None:
    raise RuntimeError("a bug in the endpoint")


@fragile.get("/missing")
def missing() -> None:
    raise HTTPException(404, "no such thing")


with TestClient(fragile, raise_server_exceptions=False) as client:
    crashed = client.get("/crash", headers={"Origin": FRONTEND})
    not_found = client.get("/missing", headers={"Origin": FRONTEND})

assert crashed.status_code == 500
assert "access-control-allow-origin" not in crashed.headers
assert not_found.status_code == 404
assert not_found.headers["access-control-allow-origin"] == FRONTEND
print(
    "unhandled exception ->",
    crashed.status_code,
    "| CORS header:",
    "access-control-allow-origin" in crashed.headers,
)
print(
    "HTTPException(404)  ->",
    not_found.status_code,
    "| CORS header:",
    "access-control-allow-origin" in not_found.headers,
)

# %% [markdown]
# **The origin is compared as exact text.** A dev server, a bookmark or a colleague may open the
# page on `http://127.0.0.1:3000` while the API allows `http://localhost:3000`: refused. And an
# origin configured with a trailing slash (`http://localhost:3000/`, easy to paste from the
# address bar) never matches anything, because browsers send origins without a path.

# %%
# erratum 19: 127.0.0.1:3000 is not localhost:3000, and a configured trailing slash never matches
via_ip = api.get("/profile", headers={"Origin": "http://127.0.0.1:3000"})
via_ip_preflight = preflight(api, "http://127.0.0.1:3000")

slash_api = TestClient(make_api(**{**lesson_cors, "allow_origins": ["http://localhost:3000/"]}))
with_slash = slash_api.get("/profile", headers={"Origin": FRONTEND})
with_slash_preflight = preflight(slash_api, FRONTEND)

assert "access-control-allow-origin" not in via_ip.headers
assert via_ip_preflight.status_code == 400
assert "access-control-allow-origin" not in with_slash.headers
assert with_slash_preflight.status_code == 400
print("allowed localhost:3000, page on 127.0.0.1:3000 -> preflight", via_ip_preflight.status_code)
print(
    "allowed 'http://localhost:3000/', page on localhost:3000 -> preflight",
    with_slash_preflight.status_code,
)

# %% [markdown]
# **A string where a list belongs.** The lesson's settings declare `cors_origins: str`. Passed to
# `allow_origins`, the string is used as a collection, and the middleware's check
# `origin in allow_origins` becomes a *substring* test: any origin that is a piece of
# `"http://localhost:3000"` passes, including `http://l`. Nothing fails loudly; the check is just
# wrong.

# %%
# erratum 20: cors_origins: str as allow_origins is a substring test: Origin http://l is allowed
from pydantic_settings import BaseSettings


class LessonSettings(BaseSettings):  # the lesson's shape (other fields left out)
    cors_origins: str = "http://localhost:3000"


class ListSettings(BaseSettings):  # the fix: a list of exact origins
    cors_origins: list[str] = ["http://localhost:3000"]


as_string = LessonSettings(cors_origins="http://localhost:3000").cors_origins
as_list = ListSettings(cors_origins=["http://localhost:3000"]).cors_origins
probes = ["http://localhost:3000", "http://l", "http://localhost:30", "https://evil.example"]


def allowed_by(origins: object) -> dict[str, bool]:
    client = TestClient(make_api(allow_origins=origins, allow_credentials=True))
    return {
        probe: "access-control-allow-origin"
        in client.get("/profile", headers={"Origin": probe}).headers
        for probe in probes
    }


string_check, list_check = allowed_by(as_string), allowed_by(as_list)
assert string_check == {
    "http://localhost:3000": True,
    "http://l": True,
    "http://localhost:30": True,
    "https://evil.example": False,
}
assert list_check == {probe: probe == "http://localhost:3000" for probe in probes}
print(f"{'Origin':<24} {'str setting':<12} list[str] setting")
for probe in probes:
    print(f"{probe:<24} {string_check[probe]!s:<12} {list_check[probe]}")

# %% [markdown]
# DocChat's `Settings` declares `cors_origins: list[str]` (a comma-separated environment value is
# split into a list) and refuses, at start-up, the two configurations above that can never be
# right: an origin with a path or trailing slash, and `*` together with credentials. The
# `ValidationError` names the field, so the fix is obvious.

# %%
# erratum 20: DocChat's Settings takes a list and refuses a trailing slash and '*' with credentials
from pydantic import ValidationError

from docchat.core.config import Settings

split = Settings(
    database_url="sqlite://", cors_origins="http://localhost:3000, https://app.example"
)
assert split.cors_origins == ["http://localhost:3000", "https://app.example"]
print("from 'a, b':", split.cors_origins)

for bad in (["http://localhost:3000/"], ["*"]):
    try:
        Settings(database_url="sqlite://", cors_origins=bad)
        error = None
    except ValidationError as exc:
        error = exc.errors()[0]
    assert error is not None, bad
    assert error["loc"] == ("cors_origins",)
    print(f"cors_origins={bad!r}\n    refused: {'.'.join(error['loc'])}: {error['msg']}")

# %% [markdown]
# > **Interview probe.** "The React app says CORS error, but the endpoint works in Postman. Walk
# > me through it." Postman ignores CORS, so it proves nothing. Open the network tab: is there a
# > preflight, and what did it get? A `400` means the origin, method or a header is not allowed
# > (check the exact origin: scheme, host, port, no slash). A `500` or a missing header on the real
# > request means the server probably crashed: read the log. And never "fix" it with `*` plus
# > credentials.

# %% [markdown]
# ## 5. Middleware: the lesson's timing middleware
#
# A middleware wraps the whole app: it sees each request on the way in and each response on the
# way out. The lesson's example adds an `X-Time-Ms` header. It has a unit bug:
# `time.perf_counter()` counts **seconds**, so the header says `0.2` for a request that took 200
# milliseconds. Any dashboard reading "ms" will show every request as 1000 times faster than it
# was.
#
# > **PHP bridge.** A Laravel middleware's `handle($request, Closure $next)` is the same shape:
# > `$next($request)` is `call_next(request)`, code before it runs on the way in, code after it on
# > the way out. In Symfony, the same job is split between `kernel.request` and `kernel.response`
# > listeners.

# %%
# erratum 21: the lesson's timing middleware writes seconds into X-Time-Ms; multiply by 1000
import asyncio
import time

from fastapi import Request

SLOW = 0.2  # seconds the slow endpoint takes


def timed_app(scale: float) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def add_timing(request: Request, call_next):
        start = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Time-Ms"] = str((time.perf_counter() - start) * scale)
        return response

    @app.get("/slow")
    async def slow() -> dict[str, bool]:
        await asyncio.sleep(SLOW)
        return {"done": True}

    return app


def header_and_client_seconds(scale: float) -> tuple[float, float]:
    begin = time.perf_counter()
    header = float(TestClient(timed_app(scale)).get("/slow").headers["X-Time-Ms"])
    return header, time.perf_counter() - begin


as_written, client_seconds = header_and_client_seconds(scale=1)
fixed, _ = header_and_client_seconds(scale=1000)

# Bounds, not a guess at the speed: the request took at least SLOW s and at most what the
# client waited, so a header inside those bounds counts seconds, however busy the machine is.
assert SLOW <= as_written <= client_seconds
assert fixed >= SLOW * 1000  # at least the 200 ms the endpoint slept
print(f"a {SLOW * 1000:.0f} ms request, as the lesson writes it: X-Time-Ms < 1 ->", as_written < 1)
print(f"multiplied by 1000: X-Time-Ms >= {SLOW * 1000:.0f} ->", fixed >= SLOW * 1000)

# %% [markdown]
# A second limit, shared by every middleware that puts the time in a header: headers go out
# *before* the body. `@app.middleware("http")` (a `BaseHTTPMiddleware`) gets control back from
# `call_next` as soon as the response has started, so for a streamed body (a `StreamingResponse`,
# an LLM answer sent token by token) it measures only the time until the headers were ready, not
# the streaming. A pure ASGI middleware sees every message, so it *can* time the whole response, but
# by then the headers are gone: that total belongs in a log or a metric, not in a header.

# %%
# erratum 21: BaseHTTPMiddleware times only up to the headers; a streamed body is not counted
from fastapi.responses import StreamingResponse

CHUNK_PAUSE = 0.1
full_durations: list[float] = []


class FullResponseTimer:
    """Pure ASGI: records the time until the *last* body message (too late for a header)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def send_and_time(message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                full_durations.append((time.perf_counter() - start) * 1000)

        await self.app(scope, receive, send_and_time)


streaming = timed_app(scale=1000)
streaming.add_middleware(FullResponseTimer)


@streaming.get("/stream")
async def stream() -> StreamingResponse:
    async def parts():
        for word in ("one ", "two ", "three"):
            await asyncio.sleep(CHUNK_PAUSE)
            yield word

    return StreamingResponse(parts(), media_type="text/plain")


full_durations.clear()
start = time.perf_counter()
streamed = TestClient(streaming).get("/stream")
client_ms = (time.perf_counter() - start) * 1000
header_ms = float(streamed.headers["X-Time-Ms"])

assert streamed.text == "one two three"
assert client_ms >= 3 * CHUNK_PAUSE * 1000  # the body took at least 300 ms to arrive
assert full_durations[0] >= 3 * CHUNK_PAUSE * 1000  # the pure ASGI timer saw all of it
# The header's time was taken before the first pause ended, the pure ASGI timer's after the
# third: by that order alone, the header missed at least two whole pauses.
missed_ms = full_durations[0] - header_ms
assert missed_ms >= 2 * CHUNK_PAUSE * 1000
print("streamed body took >= 300 ms:", client_ms >= 300)
print("X-Time-Ms (BaseHTTPMiddleware) missed the streamed pauses:", missed_ms >= 200)
print("the pure ASGI timer, at the last body message, counted them:", full_durations[0] >= 300)

# %% [markdown]
# ## 6. Why DocChat's middleware is pure ASGI
#
# `BaseHTTPMiddleware` (what `@app.middleware("http")` creates) is convenient: you get a
# `Request` and return a `Response`. The price, on every request: the rest of the app runs in a
# **separate task**, and the response travels back to you through an in-memory stream. That costs
# time and memory per request, and it changes behaviour: a context variable set by the endpoint
# (a request id, the current user for logging) is set in that other task's context, so the
# middleware does not see it after `call_next`.
#
# A pure ASGI middleware is a class with `__call__(scope, receive, send)`. It calls the app
# directly, in the same task, and only wraps `send` to touch the response headers.

# %%
import contextvars

current_user: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_user", default=None
)
observed: dict[str, dict[str, object]] = {}


class PureLogger:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        task = asyncio.current_task()
        await self.app(scope, receive, send)
        observed["pure ASGI"] = {
            "user": current_user.get(),
            "same task": task is observed["endpoint"]["task"],
        }


async def base_logger(request: Request, call_next):
    task = asyncio.current_task()
    response = await call_next(request)
    observed["BaseHTTPMiddleware"] = {
        "user": current_user.get(),
        "same task": task is observed["endpoint"]["task"],
    }
    return response


def app_with(kind: str) -> FastAPI:
    app = FastAPI()
    if kind == "pure":
        app.add_middleware(PureLogger)
    else:
        app.middleware("http")(base_logger)

    @app.get("/me")
    async def me() -> dict[str, str]:
        current_user.set("ada")  # e.g. set by an auth dependency, for the access log
        observed["endpoint"] = {"task": asyncio.current_task()}
        return {"user": "ada"}

    return app


for kind in ("pure", "base"):
    with TestClient(app_with(kind)) as client:
        client.get("/me")

assert observed["pure ASGI"] == {"user": "ada", "same task": True}
assert observed["BaseHTTPMiddleware"] == {"user": None, "same task": False}
for kind in ("pure ASGI", "BaseHTTPMiddleware"):
    seen = observed[kind]
    print(
        f"{kind:<19} endpoint ran in the middleware's task: {seen['same task']!s:<5}",
        f"| after the endpoint, the middleware sees user={seen['user']!r}",
    )

# %% [markdown]
# > **Interview probe.** "Our access-log middleware should log the user id that the auth
# > dependency puts in a context variable, but the log always says `None`. Why?" The middleware
# > is a `BaseHTTPMiddleware`: the endpoint and its dependencies run in another task, with a copy
# > of the context, so their changes never come back. Store the value on `request.state` (shared
# > by both), or write the middleware as pure ASGI.

# %% [markdown]
# ## 7. Middleware order: the last one added is the outermost
#
# Each `app.add_middleware()` call puts the new middleware *around* the ones added before it, so
# the middleware added **last** is the **outermost**: it sees the request first and the response
# last. (Laravel's global middleware list reads the other way round: the first entry is the
# outermost.) Two recording middlewares show it:

# %%
journal: list[str] = []


class Announce:
    def __init__(self, app, name: str) -> None:
        self.app = app
        self.name = name

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":  # middleware also sees the lifespan: let it through
            await self.app(scope, receive, send)
            return
        journal.append(f"{self.name} in")
        await self.app(scope, receive, send)
        journal.append(f"{self.name} out")


ordered = FastAPI()


@ordered.get("/")
def root() -> dict[str, bool]:
    journal.append("endpoint")
    return {"ok": True}


ordered.add_middleware(Announce, name="added first")
ordered.add_middleware(Announce, name="added last")
with TestClient(ordered) as client:
    journal.clear()
    client.get("/")

assert journal == [
    "added last in",
    "added first in",
    "endpoint",
    "added first out",
    "added last out",
]
print(" -> ".join(journal))

# %% [markdown]
# Starlette and FastAPI add layers of their own around yours. The whole stack of DocChat, from
# the outside in, shows why a crash loses its CORS headers (`ServerErrorMiddleware` is outside
# `CORSMiddleware`) while an `HTTPException` keeps them (`ExceptionMiddleware` is inside), and why
# DocChat adds its timer last: outermost among its own middleware, its time includes CORS.

# %%
from docchat.main import create_app

docchat_app = create_app(Settings(database_url="sqlite://"))
layer, stack = docchat_app.build_middleware_stack(), []
while hasattr(layer, "app"):
    stack.append(type(layer).__name__)
    layer = layer.app
position = {name: index for index, name in enumerate(stack)}
assert stack[0] == "ServerErrorMiddleware"
assert (
    position["ServerErrorMiddleware"]
    < position["ProcessTimeMiddleware"]
    < position["CORSMiddleware"]
    < position["ExceptionMiddleware"]
)
print("DocChat's stack, from the outside in:\n  " + "\n  ".join(stack))

# %% [markdown]
# ## In a real browser
#
# Everything above sends `Origin` headers by hand. The kit's test `tests/e2e/test_cors_browser.py`
# drives a real headless Chromium against a served DocChat: a page on one origin calls the API on
# another, and the test records what the browser allowed, refused and showed to the page. Its
# results are written to `docs/cors-browser-results.md`:

# %%
from IPython.display import Markdown, display

from docchat_lab.project import project_root

results_file = project_root() / "docs" / "cors-browser-results.md"
if results_file.is_file():
    display(Markdown(results_file.read_text(encoding="utf-8")))
else:
    print("No browser results yet: they appear in docs/cors-browser-results.md")
    print("after the browser test runs (pytest tests/e2e/test_cors_browser.py).")

# %% [markdown]
# ## Build step: CORS and timing in DocChat
#
# This stage adds the CORS part of `create_app` (the origins come from the settings, as a list,
# and the timing header is exposed so that browser code may read it) and
# `docchat/api/timing.py`, a pure ASGI middleware that writes milliseconds into
# `X-Process-Time-Ms`. Like every timer that reports in a header, it stops the clock when the
# headers go out; its docstring says so.

# %%
from docchat_lab.notebook import source

source("docchat.main", "create_app")

# %%
source("docchat.api.timing")

# %% [markdown]
# Checked with TestClient, on DocChat itself: the default origin `http://localhost:3000` passes
# its preflight, other origins do not, real responses carry the CORS headers and the timing
# header, and the browser may read the timing header. On a tiny app that takes 200 ms, the
# middleware reports at least 200: milliseconds, not seconds.

# %%
from docchat.api.timing import HEADER, ProcessTimeMiddleware

with TestClient(create_app(Settings(database_url="sqlite://"))) as client:
    ok_preflight = preflight(client, FRONTEND, path="/documents/")
    bad_preflight = preflight(client, "http://127.0.0.1:3000", path="/documents/")
    listed = client.get("/documents/", headers={"Origin": FRONTEND})

assert ok_preflight.status_code == 200
assert bad_preflight.status_code == 400
assert listed.status_code == 200
assert listed.headers["access-control-allow-origin"] == FRONTEND
assert listed.headers["access-control-allow-credentials"] == "true"
assert HEADER in listed.headers["access-control-expose-headers"].split(", ")
assert float(listed.headers[HEADER]) >= 0

slow_app = FastAPI()


@slow_app.get("/slow")
async def slow_endpoint() -> dict[str, bool]:
    await asyncio.sleep(SLOW)
    return {"done": True}


timed = TestClient(ProcessTimeMiddleware(slow_app)).get("/slow")
assert float(timed.headers[HEADER]) >= SLOW * 1000

print("DocChat preflight from", FRONTEND, "->", ok_preflight.status_code)
print("DocChat preflight from http://127.0.0.1:3000 ->", bad_preflight.status_code)
print("GET /documents/ from the frontend: exposes", listed.headers["access-control-expose-headers"])
print(
    f"{HEADER} for a {SLOW * 1000:.0f} ms request is in milliseconds:",
    float(timed.headers[HEADER]) >= SLOW * 1000,
)

# %% [markdown]
# ## Your turn
#
# Open **`exercises/ex05_cors_middleware.py`** in JupyterLab (double-click it in the file browser on
# the left). Configure CORS and write a timing middleware:
#
# - `add_cors(app, origins, allow_credentials=True)` adds `CORSMiddleware` from a *list* of
#   origins, and refuses, while the app is built, a plain string, `"*"` with credentials, and an
#   origin with a path or a trailing slash;
# - `add_timing(app)` adds `X-Process-Time-Ms` to every response, in milliseconds.
#
# The checks send preflights and simple requests from random allowed and disallowed origins, and
# time a slow endpoint to make sure the unit really is milliseconds.
#
# Run the next cell after each change. It runs the checks in a fresh process, so you never need
# to restart the kernel, and tells you for each check what was called, what came back, what was
# expected, and a hint. Until you start, every check says "not done yet".
#
# Or keep a terminal open beside the file (File → New → Terminal): `docchat-lab watch ex05`
# checks again each time you save. `docchat-lab progress` shows which exercises pass so far,
# and `docchat-lab reset ex05` starts over (every earlier version is kept).
#
# <!-- exercise: ex05_cors_middleware -->

# %%
from docchat_lab.learner_check import check

check("ex05")

# %% [markdown]
# ## Recap
#
# - An origin is scheme + host + port. `localhost:3000` and `localhost:8000` are different
#   origins, and so are `localhost` and `127.0.0.1`.
# - Non-simple requests get a preflight; `CORSMiddleware` answers it: `200` with the headers for
#   an allowed origin, `400 Disallowed CORS origin` for any other.
# - CORS protects the browser's user, not the server: a refused origin still runs the endpoint
#   and gets the data; only the header is missing.
# - Never combine `allow_origins=["*"]` with `allow_credentials=True`: any origin is echoed back.
# - A crash (unhandled 500) has no CORS headers and looks like a CORS error. Origins must match
#   exactly: no trailing slash, no `127.0.0.1` for `localhost`. Origins are a `list[str]`; a plain
#   string turns the check into a substring test.
# - Timing headers must be in the unit they claim (×1000 for ms) and can only time up to the
#   headers. Prefer pure ASGI middleware; the last one added is the outermost.
