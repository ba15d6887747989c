# %% [markdown]
# # 10 · Quiz: recall what you built
#
# Reading a notebook makes an idea feel familiar; answering a question about it from memory is
# what makes it stick. This quiz has the lesson's five questions and eleven more, one or more for
# every notebook of the kit. Answer first, from memory, then ask for feedback: each answer comes
# back as correct or "not yet", with the explanation and the notebook to revisit. One of the
# lesson's own answers (question 2) is only half right for today's FastAPI; the explanation says
# why, and the last section of this notebook demonstrates all five lesson answers with running code.
#
# **After this notebook you can:**
# - check how much of the lesson you can recall without looking;
# - explain each correct answer, not just pick it;
# - see the five lesson answers demonstrated: what `Depends` buys you, when `yield` cleanup runs,
#   why the browser needs CORS, when `async` helps, and where the API key lives.

# %%
# Warnings are errors here, as in the test suite: a deprecation fails the cell that causes it.
import warnings

warnings.simplefilter("error")
# ipykernel warns about its own shutdown code; that is the kernel's business, not the lesson's.
warnings.filterwarnings("default", module="ipykernel")

from docchat_lab.notebook import setup

setup()

# %% [markdown]
# ## How it works
#
# - `quiz.ask(n)` shows question `n` (`quiz.ask()` shows them all).
# - `quiz.answer(n, "b")` gives feedback on one answer straight away.
# - Put your answers in the dictionaries below, e.g. `lesson_answers = {1: "b", 2: "a"}`, and
#   run the cell: every question gets feedback, and the ones you have not answered say so.
# - `quiz.score(answers)` counts the correct ones.
#
# The notebook is shipped unanswered, so every question below starts as "not answered yet".
#
# ## The lesson's five questions

# %%
from docchat_lab import quiz

quiz.ask(1, 2, 3, 4, 5)

# %%
# Your answers: the letter of your choice for each question, e.g. {1: "b", 2: "a", ...}
lesson_answers = {}

quiz.check(lesson_answers, questions=range(1, 6))

# %% [markdown]
# ## Eleven more, one for each stage of the build

# %%
quiz.ask(*range(6, 17))

# %%
# Your answers for questions 6 to 16.
more_answers = {}

quiz.check(more_answers, questions=range(6, 17))

# %% [markdown]
# ## Your score

# %%
quiz.score(lesson_answers | more_answers)

# %% [markdown]
# ## Checking the quiz itself
#
# A quiz with a wrong key teaches the wrong thing with confidence. This cell runs the quiz against
# its own answer key and checks that every question has exactly one correct choice and an
# explanation, without printing the answers.

# %%
key = quiz.answer_key()
result = quiz.score(key)
assert result.correct == result.answered == result.total == len(quiz.QUESTIONS) >= 10
for number, letter in key.items():
    feedback = quiz.answer(number, letter)
    assert feedback.correct
    assert feedback.explanation
    wrong = next(choice for choice in quiz.question(number).choices if choice != letter)
    assert quiz.answer(number, wrong).status == "not yet"
revisited = {q.revisit for q in quiz.QUESTIONS}
assert {name[:2] for name in revisited} == {f"{n:02d}" for n in range(10)}  # every notebook
print("answer key verified:", result.total, "questions, one correct choice each, all explained")

# %% [markdown]
# ## Spoilers: the lesson's five answers, demonstrated
#
# Answer the questions above before you read on. Each cell below checks that the quiz's answer
# says what the measured behaviour says, then shows that behaviour happening on a tiny app.
#
# ### Question 1: what `Depends` gives you
#
# One function, called by FastAPI for each request (once per request, even when two parts of the
# endpoint ask for it), injected wherever it is declared, and swappable in a test.

# %%
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

calls = []


def current_user() -> str:
    calls.append("built")
    return "alice"


def audit_line(user: Annotated[str, Depends(current_user)]) -> str:
    return f"read by {user}"


app = FastAPI()


@app.get("/me")
def me(user: Annotated[str, Depends(current_user)], audit: Annotated[str, Depends(audit_line)]):
    return {"user": user, "audit": audit}


# %%
# erratum Q1: Depends is reusable per-request logic that FastAPI builds, injects, and tests can swap
q1 = quiz.question(1)
assert "per-request" in q1.choices[q1.correct]
assert "dependency_overrides" in q1.choices[q1.correct]

with TestClient(app) as client:
    first, second = client.get("/me").json(), client.get("/me").json()
    built_per_request = len(calls) / 2
    app.dependency_overrides[current_user] = lambda: "test-user"
    swapped = client.get("/me").json()
    app.dependency_overrides.clear()

print("two requests:", first, "| built once per request:", built_per_request == 1)
print("in a test, swapped:", swapped)
assert first == second == {"user": "alice", "audit": "read by alice"}
assert built_per_request == 1  # asked for twice in one request, built once
assert swapped == {"user": "test-user", "audit": "read by test-user"}

# %% [markdown]
# ### Question 2: when the code after `yield` runs
#
# The lesson says "after the response is sent". That is the default case only. A small pure ASGI
# middleware records the moment the response's last byte is handed to the server, so the order of
# events shows *when* the cleanup ran relative to the response, for the three cases:

# %%
from fastapi import BackgroundTasks, HTTPException

events = []


def resource():
    events.append("setup")
    try:
        yield
    finally:
        events.append("cleanup")


class RecordResponseSent:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async def recording_send(message):
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                events.append("response sent")

        await self.app(scope, receive, recording_send)


# %%
order_app = FastAPI()
order_app.add_middleware(RecordResponseSent)


@order_app.get("/default")
def default_scope(_: Annotated[None, Depends(resource)], tasks: BackgroundTasks):
    tasks.add_task(events.append, "background task")
    events.append("endpoint")


@order_app.get("/function-scope")
def function_scope(_: Annotated[None, Depends(resource, scope="function")], tasks: BackgroundTasks):
    tasks.add_task(events.append, "background task")
    events.append("endpoint")


@order_app.get("/raises")
def raises(_: Annotated[None, Depends(resource)]):
    events.append("endpoint")
    raise HTTPException(404, "no such thing")


# %%
# erratum Q2: cleanup after yield always runs; before the response if it raised or scope="function"
q2 = quiz.question(2)
correct_text = q2.choices[q2.correct]
assert "after the background tasks" in correct_text
assert 'scope="function"' in correct_text
assert q2.choices["b"] == "After the response has been sent, in every case."  # the lesson's answer
assert q2.correct != "b"

orders = {}
with TestClient(order_app) as client:
    for path in ("/default", "/raises", "/function-scope"):
        events.clear()
        status_code = client.get(path).status_code
        orders[path] = (status_code, list(events))

for path, (status_code, order) in orders.items():
    print(f"{path:<16} {status_code}  {' -> '.join(order)}")
assert orders["/default"][1] == ["setup", "endpoint", "response sent", "background task", "cleanup"]
assert orders["/raises"] == (404, ["setup", "endpoint", "cleanup", "response sent"])
assert orders["/function-scope"][1] == [
    "setup",
    "endpoint",
    "cleanup",
    "response sent",
    "background task",
]

# %% [markdown]
# ### Question 3: why the browser needs CORS
#
# An origin is scheme, host and port. The API allows `http://localhost:3000`: a preflight from that
# origin is answered with the allow headers, one from port 3001 is refused. And the refusal is the
# *browser's* to enforce: a plain GET from the disallowed origin still reaches the endpoint and
# gets its 200 and its data, only without the header that would let a page read it.

# %%
from urllib.parse import urlsplit

from fastapi.middleware.cors import CORSMiddleware


def origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port


hits = []
api = FastAPI()
api.add_middleware(
    CORSMiddleware,
    allow_origins=["http://localhost:3000"],
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)


@api.get("/documents")
def documents():
    hits.append("endpoint ran")
    return [{"id": 1}]


# %%
# erratum Q3: CORS exists because of the browser's same-origin policy; another port, another origin
q3 = quiz.question(3)
assert "same-origin policy" in q3.choices[q3.correct]
assert "preflight" in q3.choices[q3.correct]

preflight = {"Access-Control-Request-Method": "GET"}
with TestClient(api) as client:
    allowed = client.options("/documents", headers={"Origin": "http://localhost:3000", **preflight})
    refused = client.options("/documents", headers={"Origin": "http://localhost:3001", **preflight})
    simple = client.get("/documents", headers={"Origin": "http://localhost:3001"})

print("origins differ:", origin("http://localhost:3000"), "vs", origin("http://localhost:8000"))
print(
    "preflight from :3000 ->", allowed.status_code, allowed.headers["access-control-allow-origin"]
)
print("preflight from :3001 ->", refused.status_code, refused.text)
print(
    "GET from :3001 ->",
    simple.status_code,
    simple.json(),
    "| allow-origin header:",
    "access-control-allow-origin" in simple.headers,
    "|",
    hits,
)
assert origin("http://localhost:3000") != origin("http://localhost:8000")
assert allowed.status_code == 200
assert allowed.headers["access-control-allow-origin"] == "http://localhost:3000"
assert refused.status_code == 400
assert refused.text == "Disallowed CORS origin"
assert simple.status_code == 200
assert "access-control-allow-origin" not in simple.headers
assert hits == ["endpoint ran"]

# %% [markdown]
# ### Question 4: when `async def` helps
#
# Four concurrent requests to three endpoints that each wait 0.2 s: an `async def` that *awaits*
# the wait, an `async def` that *blocks* with `time.sleep`, and a plain `def` that blocks (FastAPI
# runs it in the thread pool). The requests go through `httpx2`'s ASGI transport, so they really
# are concurrent on one event loop. Each wait notes when it began and ended; whether the four
# waits overlapped is a yes/no answer that does not depend on the machine's speed.

# %%
import asyncio
import itertools
import time

import httpx2

waits = FastAPI()
spans: list[tuple[float, float]] = []


@waits.get("/awaits")
async def awaits():
    begin = time.perf_counter()
    await asyncio.sleep(0.2)
    spans.append((begin, time.perf_counter()))


@waits.get("/blocks")
async def blocks():
    begin = time.perf_counter()
    time.sleep(0.2)  # the mistake: a blocking call inside async def
    spans.append((begin, time.perf_counter()))


@waits.get("/sync")
def sync_in_threadpool():
    begin = time.perf_counter()
    time.sleep(0.2)
    spans.append((begin, time.perf_counter()))


# %%
# erratum Q4: async def helps only when the handler awaits I/O
q4 = quiz.question(4)
assert "awaits I/O" in q4.choices[q4.correct]


async def four_at_once(path: str) -> bool:
    """Did any two of four concurrent waits overlap?"""
    spans.clear()
    transport = httpx2.ASGITransport(app=waits)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
        responses = await asyncio.gather(*(client.get(path) for _ in range(4)))
    assert all(r.status_code == 200 for r in responses)
    ordered = sorted(spans)
    return any(later[0] < earlier[1] for earlier, later in itertools.pairwise(ordered))


overlapped = {path: await four_at_once(path) for path in ("/awaits", "/blocks", "/sync")}
claims = {
    "async def that blocks: the four waits ran one after another": not overlapped["/blocks"],
    "async def that awaits: the four waits overlapped": overlapped["/awaits"],
    "def in the thread pool: the four waits overlapped": overlapped["/sync"],
}
for claim, holds in claims.items():
    print(f"{claim:<62} {holds}")
assert all(claims.values())

# %% [markdown]
# ### Question 5: where the API key lives
#
# In the environment, never in the repository: this project's `.gitignore` excludes `.env`, DocChat
# reads `DOCCHAT_OPENAI_API_KEY` from the environment, and the key is a `SecretStr` that never
# shows up in a `repr` or in JSON.

# %%
# erratum Q5: the key lives in the environment (gitignored .env, host's secrets) as a SecretStr
import os

from docchat.core.config import Settings
from docchat_lab.project import project_root

q5 = quiz.question(5)
assert "gitignored `.env`" in q5.choices[q5.correct]
assert "`SecretStr`" in q5.choices[q5.correct]

ignored = (project_root() / ".gitignore").read_text(encoding="utf-8").splitlines()
secret = "sk-quiz-0123456789abcdef"
previous = os.environ.get("DOCCHAT_OPENAI_API_KEY")
os.environ["DOCCHAT_OPENAI_API_KEY"] = secret
try:
    settings = Settings(_env_file=None, database_url="sqlite://")
finally:
    if previous is None:
        del os.environ["DOCCHAT_OPENAI_API_KEY"]
    else:
        os.environ["DOCCHAT_OPENAI_API_KEY"] = previous

print(".env is gitignored:", ".env" in ignored)
print("key read from the environment:", settings.openai_api_key.get_secret_value() == secret)
print("repr shows:", repr(settings.openai_api_key))
assert ".env" in ignored
assert settings.openai_api_key.get_secret_value() == secret
assert secret not in repr(settings)
assert secret not in settings.model_dump_json()

# %% [markdown]
# ## Recap
#
# - `Depends`: per-request building blocks, injected where declared, swapped in tests.
# - Code after `yield` always runs; by default after the response and the background tasks,
#   before the error response when the endpoint raised, before the response with
#   `scope="function"`.
# - CORS is the browser's rule (another port is another origin); the server opts in, and is not
#   protected by it.
# - `async def` pays off only when the handler awaits I/O; blocking inside it stalls everything.
# - Secrets live in the environment, as `SecretStr`, and never in git.
# - For anything you got "not yet", revisit the notebook the feedback names, then come back.
