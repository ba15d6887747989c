# %% [markdown]
# # 05 · CORS and middleware
#
# Your Next.js app on `http://localhost:3000` calls DocChat on `http://localhost:8000`, and the
# browser console says *"blocked by CORS policy"*, while the same request works in curl. This
# notebook takes CORS apart with real requests that carry an `Origin` header: the preflight, the
# simple request, what an allowed and a refused origin get back, and the traps (a crash that looks
# like a CORS error, `127.0.0.1` versus `localhost`, a trailing slash, a wildcard with
# credentials, a string where a list belongs). Then middleware itself: a timing middleware and its
# unit bug, why DocChat's is pure ASGI, the order of the layers, and every layer of DocChat's own
# stack. Then you add CORS and the timing middleware to your own DocChat.
#
# **After this notebook you can:**
# - say what an origin is and when the browser sends a preflight;
# - read a CORS response and tell an allowed origin from a refused one;
# - explain why CORS protects the browser's user and never the server;
# - diagnose "works in Postman, fails in React" in under a minute;
# - write a timing middleware that reports real milliseconds, as a pure ASGI middleware;
# - name every layer a request passes through in DocChat, in order;
# - write `install_middleware` and `ProcessTimeMiddleware`, DocChat's stage 05.

# %%
# Warnings are errors here, as in the test suite: a deprecation fails the cell that causes it.
import warnings

warnings.simplefilter("error")
# ipykernel warns about its own shutdown code; that is the kernel's business, not the lesson's.
warnings.filterwarnings("default", module="ipykernel")

from docchat_lab.notebook import setup

setup(stage=5)

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
# Starlette's `CORSMiddleware` answers preflights itself (your endpoint never sees them) and adds
# the headers to ordinary responses. Here is the lesson's configuration, on a tiny app whose
# endpoint counts how often it really ran. (`preflight()` sends what a browser would send first.)

# %%
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.testclient import TestClient

from docchat_lab.lesson.middleware import cors_headers, preflight

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
for label, response in (("unhandled exception", crashed), ("HTTPException(404)", not_found)):
    has_it = "access-control-allow-origin" in response.headers
    print(f"{label:<20} -> {response.status_code} | CORS header: {has_it}")

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
from pydantic_settings import BaseSettings


class LessonSettings(BaseSettings):  # the lesson's shape (other fields left out)
    cors_origins: str = "http://localhost:3000"


class ListSettings(BaseSettings):  # the fix: a list of exact origins
    cors_origins: list[str] = ["http://localhost:3000"]


as_string = LessonSettings(cors_origins="http://localhost:3000").cors_origins
as_list = ListSettings(cors_origins=["http://localhost:3000"]).cors_origins
assert isinstance(as_string, str)
assert as_list == ["http://localhost:3000"]
print("str setting:", repr(as_string), "| list[str] setting:", as_list)

# %% [markdown]
# Four origins, each sent to an app built from each setting:

# %%
# erratum 20: cors_origins: str as allow_origins is a substring test: Origin http://l is allowed
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
# DocChat's settings hold the origins as a `list[str]`. Refusing a trailing slash, and `*`
# together with credentials, when the app starts is stage 07's work (notebook 07).

# %% [markdown]
# > **Interview probe.** "The React app says CORS error, but the endpoint works in Postman. Walk
# > me through it." Postman ignores CORS, so it proves nothing. Open the network tab: is there a
# > preflight, and what did it get? A `400` means the origin, method or a header is not allowed
# > (check the exact origin: scheme, host, port, no slash). A `500` or a missing header on the real
# > request means the server probably crashed: read the log. And never "fix" it with `*` plus
# > credentials.

# %% [markdown]
# ## 5. Middleware: a timing middleware, and its unit bug
#
# A middleware wraps the whole app: it sees each request on the way in and each response on the
# way out. The lesson's example adds an `X-Time-Ms` header, and it has a unit bug:
# `time.perf_counter()` counts **seconds**, so the header says `0.2` for a request that took 200
# milliseconds. A dashboard reading "ms" shows every request 1000 times faster than it was.
#
# > **PHP bridge.** A Laravel middleware's `handle($request, Closure $next)` is the same shape:
# > `$next($request)` is `call_next(request)`, code before it runs on the way in, code after it on
# > the way out. In Symfony, the same job is split between `kernel.request` and `kernel.response`
# > listeners.

# %%
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


# %% [markdown]
# The same app twice: as the lesson writes it (`scale=1`), and multiplied by 1000.


# %%
# erratum 21: the lesson's timing middleware writes seconds into X-Time-Ms; multiply by 1000
def header_and_client_seconds(scale: float) -> tuple[float, float]:
    begin = time.perf_counter()
    with TestClient(timed_app(scale)) as client:
        header = float(client.get("/slow").headers["X-Time-Ms"])
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
# `call_next` as soon as the response has started, so for a streamed body (an LLM answer sent
# token by token) it measures only the time until the headers were ready.
#
# A **pure ASGI** middleware is a class with `__call__(scope, receive, send)`. It sees every
# message the app sends, because it hands the app a `send` of its own that wraps the real one.
# This one notes the time of the *last* body message: the whole response, too late for a header.

# %%
full_durations: list[float] = []


class FullResponseTimer:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":  # the lifespan passes through untouched
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def send_and_time(message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                full_durations.append((time.perf_counter() - start) * 1000)

        await self.app(scope, receive, send_and_time)


# %% [markdown]
# Both timers on one app that streams three words, 100 ms apart:

# %%
# erratum 21: BaseHTTPMiddleware times only up to the headers; a streamed body is not counted
from fastapi.responses import StreamingResponse

CHUNK_PAUSE = 0.1
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
with TestClient(streaming) as client:
    streamed = client.get("/stream")
header_ms = float(streamed.headers["X-Time-Ms"])

assert streamed.text == "one two three"
assert full_durations[0] >= 3 * CHUNK_PAUSE * 1000  # the pure ASGI timer saw all three pauses
# The header's time was taken before the first pause ended, the pure ASGI timer's after the
# third: by that order alone, the header missed at least two whole pauses.
missed_ms = full_durations[0] - header_ms
assert missed_ms >= 2 * CHUNK_PAUSE * 1000
print("X-Time-Ms (BaseHTTPMiddleware) missed two pauses or more:", missed_ms >= 200)
print("the pure ASGI timer counted all three:", full_durations[0] >= 300)

# %% [markdown]
# ## 6. Why DocChat's middleware is pure ASGI
#
# `BaseHTTPMiddleware` is convenient: you get a `Request` and return a `Response`. The price, on
# every request: the rest of the app runs in a **separate task**, and the response travels back
# through an in-memory stream. That costs time and memory, and it changes behaviour: a context
# variable set by the endpoint (a request id, the user for the access log) is set in that other
# task's context, so the middleware does not see it after `call_next`. Two loggers, one of each
# kind, record what they see after the endpoint ran:

# %%
import contextvars

current_user = contextvars.ContextVar("current_user", default=None)
observed: dict[str, dict[str, object]] = {}


def seen_now(kind: str, task) -> None:
    observed[kind] = {"user": current_user.get(), "same task": task is observed["endpoint"]}


class PureLogger:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        task = asyncio.current_task()
        await self.app(scope, receive, send)
        seen_now("pure ASGI", task)


async def base_logger(request: Request, call_next):
    task = asyncio.current_task()
    response = await call_next(request)
    seen_now("BaseHTTPMiddleware", task)
    return response


# %%
def app_with(kind: str) -> FastAPI:
    app = FastAPI()
    if kind == "pure ASGI":
        app.add_middleware(PureLogger)
    else:
        app.middleware("http")(base_logger)

    @app.get("/me")
    async def me() -> dict[str, str]:
        current_user.set("ada")  # e.g. set by an auth dependency, for the access log
        observed["endpoint"] = asyncio.current_task()
        return {"user": "ada"}

    return app


for kind in ("pure ASGI", "BaseHTTPMiddleware"):
    with TestClient(app_with(kind)) as client:
        client.get("/me")

assert observed["pure ASGI"] == {"user": "ada", "same task": True}
assert observed["BaseHTTPMiddleware"] == {"user": None, "same task": False}
for kind in ("pure ASGI", "BaseHTTPMiddleware"):
    seen = observed[kind]
    print(f"{kind:<19} same task as the endpoint: {seen['same task']!s:<5} | user={seen['user']!r}")

# %% [markdown]
# > **Interview probe.** "Our access-log middleware should log the user id that the auth
# > dependency puts in a context variable, but the log always says `None`. Why?" The middleware
# > is a `BaseHTTPMiddleware`: the endpoint and its dependencies run in another task, with a copy
# > of the context, so their changes never come back. Store the value on `request.state` (shared
# > by both), or write the middleware as pure ASGI.
#
# ## 7. Middleware order: the last one added is the outermost
#
# Each `app.add_middleware()` call puts the new middleware *around* the ones added before it, so
# the middleware added **last** is the **outermost**: it sees the request first and the response
# last. (Laravel's global middleware list reads the other way round: the first entry is the
# outermost.) A middleware that writes in a journal, added twice:

# %%
journal: list[str] = []


class Announce:
    def __init__(self, app, name: str) -> None:
        self.app, self.name = app, name

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
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

# %%
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
# ## 8. Every layer of DocChat's stack
#
# `app.user_middleware` lists the middleware *you* added, outermost first. FastAPI and Starlette
# wrap more layers of their own around and inside them; `middleware_stack()` walks the chain the
# app really builds, from the outside in. Here is DocChat's, as it stands once this stage is done:

# %%
from docchat.core.config import Settings
from docchat.main import create_app
from docchat_lab.lesson.middleware import middleware_stack

docchat_app = create_app(Settings(database_url="sqlite://"))
added = [m.cls.__name__ for m in docchat_app.user_middleware]
stack = middleware_stack(docchat_app)

assert added == ["ProcessTimeMiddleware", "CORSMiddleware", "DescribeBodyLimitMiddleware"]
assert stack == [
    "ServerErrorMiddleware",
    "ExceptionTelemetryMiddleware",
    "AppBodyLimitMiddleware",
    *added,
    "ExceptionMiddleware",
    "AsyncExitStackMiddleware",
]
print("added by DocChat:", added)
print("the whole stack, outside in:\n  " + "\n  ".join(stack))

# %% [markdown]
# From the outside in:
#
# 1. **`ServerErrorMiddleware`** (Starlette): the last resort. An exception nothing else handled
#    becomes a plain `500` here, *outside* CORS: that is why a crash has no CORS headers.
# 2. **`ExceptionTelemetryMiddleware`** (FastAPI): notes an escaping exception for FastAPI's
#    OpenTelemetry support (a no-op unless telemetry is configured), and re-raises it.
# 3. **`AppBodyLimitMiddleware`** (FastAPI): counts the request body as it streams in, against
#    the `max_body_size` DocChat gives each router, and answers `413` past it.
# 4. **`ProcessTimeMiddleware`** (yours, this stage): added last, so outermost of DocChat's own;
#    its time includes CORS, and even a preflight answered by CORS carries the header.
# 5. **`CORSMiddleware`** (yours, this stage): answers preflights, adds the `Access-Control-*`
#    headers to every answer that comes out from the layers below.
# 6. **`DescribeBodyLimitMiddleware`** (given): turns Starlette's plain-text 413 into DocChat's
#    JSON one; inside CORS, so that 413 keeps its CORS headers and the browser can read it.
# 7. **`ExceptionMiddleware`** (Starlette): runs the exception handlers (`HTTPException`, the
#    422s, DocChat's own in `api/errors.py`); inside CORS, so those answers keep their headers.
# 8. **`AsyncExitStackMiddleware`** (FastAPI): closes what a request opened (uploaded files)
#    once the routes are done. Then the router.
#
# The claims about CORS, checked on DocChat itself: a 404 (turned into an answer by
# `ExceptionMiddleware`, inside CORS) carries the CORS header and the time; a crash (turned into
# a 500 by `ServerErrorMiddleware`, outside everything) carries neither.


# %%
@docchat_app.get("/_crash")
def crash_in_docchat() -> None:
    raise RuntimeError("a bug")


with TestClient(docchat_app, raise_server_exceptions=False) as client:
    missing_doc = client.get("/documents/424242", headers={"Origin": FRONTEND})
    crashed = client.get("/_crash", headers={"Origin": FRONTEND})

assert missing_doc.status_code == 404
assert missing_doc.headers["access-control-allow-origin"] == FRONTEND
assert "x-process-time-ms" in missing_doc.headers
assert crashed.status_code == 500
assert "access-control-allow-origin" not in crashed.headers
assert "x-process-time-ms" not in crashed.headers
print("404: CORS header and X-Process-Time-Ms | 500 from a crash: neither")

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
# ## Build step: CORS and the timing header in your DocChat
#
# Stage 05 is two pieces of your package. Your `create_app` (stage 03) already ends with
# `install_middleware(app, settings)`, in **`my_docchat/main.py`**; so far it only adds the
# given `DescribeBodyLimitMiddleware`. The settings carry what CORS needs:

# %%
from docchat_lab.notebook import your_module

fields = your_module("core.config").Settings.model_fields
assert fields["cors_origins"].annotation == list[str]
assert fields["cors_allow_credentials"].annotation is bool
print("cors_origins: list[str] =", fields["cors_origins"].default)
print("cors_allow_credentials: bool =", fields["cors_allow_credentials"].default)

# %% [markdown]
# Write `install_middleware` below the line that is given: `CORSMiddleware` with exactly the
# settings' origins, credentials only when `settings.cors_allow_credentials` says so, any method
# and header, and `expose_headers=[TIMING_HEADER]` so that scripts in the browser may read the
# time; then `ProcessTimeMiddleware`, last, so that it is the outermost.

# %% build="main.py:install_middleware"

# %% [markdown]
# Then the timer itself, in **`my_docchat/api/timing.py`**: `__call__` lets every scope that is
# not `"http"` through untouched, and adds `self.header` (`X-Process-Time-Ms`) to the
# `http.response.start` message with the milliseconds since the request came in. Starlette's
# `MutableHeaders(scope=message)` edits a message's headers in place.

# %% build="api/timing.py:ProcessTimeMiddleware"

# %% [markdown]
# Check them. The checks build your app with origins that change every run, send preflights and
# simple requests from allowed and other origins, with and without credentials and with `["*"]`,
# and time a route that takes a known number of milliseconds.

# %%
from docchat_lab.notebook import check

check("05")

# %% [markdown]
# And try yours: your whole app, served inline, with `http://localhost:3000` allowed.

# %%
from docchat_lab.notebook import try_yours

try_yours(5)

# %% [markdown]
# ## Your turn
#
# Make every check above pass. A terminal works too (File → New → Terminal):
# `docchat-lab watch 05` checks again each time you save, `docchat-lab progress` shows which
# stages pass, and `docchat-lab reset 05` puts stage 05 back to its stubs (your version is kept
# in `.docchat-lab/history/`).
#
# **Extra practice** (optional, not part of your DocChat): `exercises/ex05_cors_middleware.py`
# builds CORS from a list and a timing middleware on a small app of its own, with the credentials
# rule checked both ways. Check it with `check("ex05")` in a cell, or `docchat-lab check ex05` in a
# terminal.
#
# ## Recap
#
# - An origin is scheme + host + port. `localhost:3000` and `localhost:8000` are different
#   origins, and so are `localhost` and `127.0.0.1`.
# - Non-simple requests get a preflight; `CORSMiddleware` answers it: `200` with the headers for
#   an allowed origin, `400 Disallowed CORS origin` for any other.
# - CORS protects the browser's user, not the server: a refused origin still runs the endpoint
#   and gets the data; only the header is missing.
# - Never combine `allow_origins=["*"]` with `allow_credentials=True`: any origin is echoed back.
# - A crash (an unhandled 500, from `ServerErrorMiddleware`, outside CORS) has no CORS headers
#   and looks like a CORS error. Origins match exactly: no trailing slash, no `127.0.0.1` for
#   `localhost`, and a list, never a string.
# - Timing headers must be in the unit they claim (×1000 for ms) and can only time up to the
#   headers. Prefer pure ASGI middleware; the last one added is the outermost.
#
# ## Further reading
#
# - FastAPI: [CORS (Cross-Origin Resource Sharing)](https://fastapi.tiangolo.com/tutorial/cors/),
#   [Middleware](https://fastapi.tiangolo.com/tutorial/middleware/),
#   [Advanced middleware](https://fastapi.tiangolo.com/advanced/middleware/).
# - Starlette: [Middleware](https://www.starlette.io/middleware/) (CORSMiddleware, pure ASGI
#   middleware, and the limits of `BaseHTTPMiddleware`).
# - MDN: [Cross-Origin Resource Sharing](https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS).
# - pydantic-settings: [Parsing environment variable values](https://docs.pydantic.dev/latest/concepts/pydantic_settings/#parsing-environment-variable-values)
#   (lists such as `cors_origins`; stage 07).
