# %% [markdown]
# # 09 · Capstone: the whole DocChat, running
#
# Every earlier notebook built one part of DocChat: dependencies, cleanup with `yield`, routers
# and the factory, async endpoints, CORS and timing middleware, background processing, settings
# and tests. This one puts it all together and uses it the way a client would: over real HTTP, on
# a real uvicorn server running inside the notebook, with a database file on disk. You upload a
# JSON document and a Markdown file, watch them being processed, page through them, read their
# chunks, ask questions and get answers that cite their sources, delete, restart the server and
# find your data (and unfinished work) still there, and check that `/docs` describes every route.
#
# **After this notebook you can:**
# - read `create_app` and say what each line contributes;
# - drive DocChat's whole API: upload (JSON and multipart), poll, paginate, chunks, ask, delete,
#   health;
# - switch DocChat from the offline answerer to an OpenAI-compatible model with settings alone, and
#   predict what a client sees when that model fails (502) or is too slow (504);
# - show that data and unfinished work survive a restart;
# - run DocChat outside the notebook with `docchat serve`.

# %%
# Warnings are errors here, as in the test suite: a deprecation fails the cell that causes it.
import warnings

warnings.simplefilter("error")
# ipykernel warns about its own shutdown code; that is the kernel's business, not the lesson's.
warnings.filterwarnings("default", module="ipykernel")

from docchat_lab.notebook import setup

setup()

# %% [markdown]
# ## Build step: the assembly, `create_app`
#
# The factory, read from `docchat/main.py`. Read it top to bottom once; every line is a pattern
# from an earlier notebook:
#
# - `settings if settings is not None else get_settings()`: explicit settings; the environment
#   is read only at the entry point (07).
# - `build_engine`, `build_session_factory`: one engine per app; in-memory SQLite made
#   thread-safe (08).
# - the `lifespan`: `init_db`, `recover_unfinished`, `build_llm_client` on the way in, `aclose`
#   and `dispose` on the way out; blocking work sent to the thread pool (04, 06, 08).
# - `app.state.settings`, `.engine`, `.sessions`: what the dependencies in `deps.py` read (01, 02).
# - `include_router(...)`: one router per area, each with its own prefix and tags (03).
# - the exception handlers: an LLM failure becomes a 502/504 and a database outage a 503, both
#   as JSON (this notebook).
# - `CORSMiddleware` and `ProcessTimeMiddleware`, added by `install_middleware`: the browser's
#   origin check, and the time in milliseconds (05).
#
# > **PHP bridge.** `create_app` plays the part of Laravel's `bootstrap/app.php` (or Symfony's
# > `Kernel`): one place that wires routes, middleware and error handling. The difference is that
# > it is a plain function you can call twice: two apps, two databases, nothing shared, which is
# > what makes a fresh app per test cheap.

# %%
from docchat_lab.notebook import source

source("docchat.main", "create_app")

# %%
source("docchat.main", "install_middleware")

# %% [markdown]
# ## Launch it
#
# The settings come from arguments, not from your shell: a database file in a scratch folder
# (`sqlite_url()`), no API key (so the offline answerer), and small chunks so that short documents
# already make several of them. `serve()` starts uvicorn in a background thread with its own event
# loop, on a free port, and returns once the lifespan has finished. The cells talk to it with
# `httpx2`, a real HTTP client, exactly as a frontend or `curl` would.

# %%
import httpx2

from docchat.core.config import Settings
from docchat.main import create_app
from docchat.services.llm import OfflineAnswerer, build_llm_client
from docchat_lab.notebook import serve, sqlite_url

database = sqlite_url("capstone")
settings = Settings(
    _env_file=None,
    database_url=database,
    openai_api_key=None,
    chunk_size=160,
    chunk_overlap=40,
)
server = serve(create_app(settings), name="docchat")
http = httpx2.Client(base_url=server.url, timeout=10)

health = http.get("/health")
print("GET /health ->", health.status_code, health.json())
print("timing header present:", "x-process-time-ms" in health.headers)
assert health.json() == {"status": "ok"}
assert float(health.headers["x-process-time-ms"]) >= 0
assert isinstance(build_llm_client(settings), OfflineAnswerer)

# %% [markdown]
# ## Upload: a JSON document and a Markdown file
#
# `POST /documents/` takes `{title, content}` as JSON; `POST /documents/upload` takes a file as
# `multipart/form-data` (what an HTML form or a `FormData` in the browser sends), with an optional
# `title` field. Both answer **202 Accepted** at once, with the new document's id and status
# `pending`: the chunking and indexing happen afterwards, in a background task.

# %%
KETTLE = (
    "The kettle boils one litre of water in about three minutes. "
    "Descale the kettle every month with white vinegar, then boil clean water twice. "
    "Never fill the kettle above the MAX line, or boiling water may spit from the spout. "
    "The kettle switches itself off when the water boils or when it is lifted from its base."
)
TEA_GUIDE = b"""# Tea guide

Green tea tastes best with water at about 80 degrees, steeped for two minutes.
Boiling water makes it bitter.

Black tea wants fully boiling water and four minutes.

## Storage

Keep tea leaves in an airtight tin, away from light and strong smells.
"""

json_upload = http.post("/documents/", json={"title": "Kettle manual", "content": KETTLE})
file_upload = http.post(
    "/documents/upload",
    files={"file": ("tea-guide.md", TEA_GUIDE, "text/markdown")},
    data={"title": "Tea guide"},
)
for response in (json_upload, file_upload):
    body = response.json()
    print(response.status_code, {key: body[key] for key in ("id", "title", "status")})
assert json_upload.status_code == file_upload.status_code == 202
assert json_upload.json()["status"] in ("pending", "processing", "ready")
kettle_id, tea_id = json_upload.json()["id"], file_upload.json()["id"]

# %% [markdown]
# Bad input is refused with a 4xx and a JSON body that says why, and nothing is stored:

# %%
refusals = {
    "JSON with an extra field": http.post(
        "/documents/", json={"title": "x", "content": "y", "author": "me"}
    ),
    "empty content": http.post("/documents/", json={"title": "x", "content": "   "}),
    "a PNG file": http.post(
        "/documents/upload", files={"file": ("photo.png", b"\x89PNG...", "image/png")}
    ),
}
for label, response in refusals.items():
    detail = response.json()["detail"]
    reason = detail if isinstance(detail, str) else detail[0]["msg"]
    print(f"{label:<26} {response.status_code} {reason}")
stored = [d["title"] for d in http.get("/documents/").json()]
print("documents stored:", stored)
assert [r.status_code for r in refusals.values()] == [422, 422, 415]
assert stored == ["Kettle manual", "Tea guide"]

# %% [markdown]
# ## Poll until ready
#
# A client learns the outcome by asking again. The loop below polls each document until its status
# is final (`ready` or `failed`), with a deadline so that a stuck document fails the cell instead of
# hanging it.

# %%
import time


def wait_until_done(document_id: int, deadline_s: float = 30.0) -> dict:
    """Poll GET /documents/{id} until the status is final; return the document."""
    give_up = time.monotonic() + deadline_s
    while True:
        document = http.get(f"/documents/{document_id}").json()
        if document["status"] in ("ready", "failed"):
            return document
        if time.monotonic() > give_up:
            raise TimeoutError(f"document {document_id} is still {document['status']}")
        time.sleep(0.05)


for document_id in (kettle_id, tea_id):
    document = wait_until_done(document_id)
    print(f"{document['title']:<14} {document['status']:<6} chunks: {document['chunk_count']}")
    assert document["status"] == "ready"
    assert document["chunk_count"] >= 2

# %% [markdown]
# ## List, a page at a time
#
# `GET /documents/` is paginated by a dependency (`PageDep`) with `skip` and `limit`, and the bounds
# are part of the contract: a `limit` above 100 is a 422 that names the parameter, not a slow query.

# %%
page_1 = http.get("/documents/", params={"limit": 1}).json()
page_2 = http.get("/documents/", params={"skip": 1, "limit": 1}).json()
too_big = http.get("/documents/", params={"limit": 500})

print("page 1:", [d["title"] for d in page_1])
print("page 2:", [d["title"] for d in page_2])
print(
    "limit=500 ->",
    too_big.status_code,
    too_big.json()["detail"][0]["loc"],
    too_big.json()["detail"][0]["msg"],
)
assert [d["title"] for d in page_1 + page_2] == ["Kettle manual", "Tea guide"]
assert too_big.status_code == 422
assert too_big.json()["detail"][0]["loc"] == ["query", "limit"]

# %% [markdown]
# ## Look inside: the chunks
#
# Each document was split on paragraph and sentence boundaries into chunks of at most
# `chunk_size` characters, each starting with up to `chunk_overlap` characters of the previous one,
# so that a sentence cut at a boundary still appears whole somewhere:

# %%
chunks = http.get(f"/documents/{tea_id}/chunks").json()
for chunk in chunks:
    print(f"[{chunk['position']}] ({len(chunk['text'])} chars) {chunk['text']}")
assert [c["position"] for c in chunks] == list(range(len(chunks)))
assert all(len(c["text"]) <= settings.chunk_size for c in chunks)

# %% [markdown]
# ## Ask
#
# `POST /chat/ask` retrieves the chunks that best match the question (SQLite's full-text index with
# BM25 ranking), then awaits the LLM client. With no key configured that is the **offline
# answerer**: it quotes the most relevant sentence of each passage and cites it as `[n]`; the
# `sources` list says which document and chunk each number refers to. You can restrict the search
# to some documents, and a question nothing matches gets an honest "could not find".


# %%
def ask(question: str, **options) -> dict:
    response = http.post("/chat/ask", json={"question": question, **options})
    assert response.status_code == 200, response.text
    return response.json()


def show(reply: dict) -> None:
    print(reply["answer"])
    for s in reply["sources"]:
        print(f"   [{s['n']}] {s['title']}, chunk {s['position']}")


green = ask("What temperature should the water be for green tea?", top_k=2)
show(green)
assert green["sources"][0]["title"] == "Tea guide"
assert "80 degrees" in green["answer"]
assert "[1]" in green["answer"]

# %%
descale = ask("How do I descale it?", document_ids=[kettle_id], top_k=1)
show(descale)
nothing = ask("Who won the 1998 World Cup?")
print(nothing["answer"], "| sources:", nothing["sources"])
unknown = http.post("/chat/ask", json={"question": "tea", "document_ids": [999]})
print("unknown document id ->", unknown.status_code, unknown.json()["detail"])
assert "vinegar" in descale["answer"]
assert {s["document_id"] for s in descale["sources"]} == {kettle_id}
assert nothing["sources"] == []
assert unknown.status_code == 404

# %% [markdown]
# ### With a real model: an OpenAI-compatible API
#
# Set `DOCCHAT_OPENAI_API_KEY` and `build_llm_client` returns an `OpenAIChatClient` instead: an
# async `httpx2` client that posts the numbered passages and the question to
# `{DOCCHAT_OPENAI_BASE_URL}/chat/completions`, with the model from `DOCCHAT_LLM_MODEL` and the
# timeout from `DOCCHAT_LLM_TIMEOUT_S`. "OpenAI-compatible" means the base URL can point at
# OpenAI, or at Ollama, vLLM or any proxy that speaks the same API. When that upstream fails,
# DocChat answers **502** (unreachable, an error status, a malformed reply) or **504** (no answer
# within the timeout), with a message that is safe to show and never contains the key.

# %%
source("docchat.services.llm", "build_llm_client")

# %% [markdown]
# No real API is called from this notebook. Instead, a fake upstream, a ten-line FastAPI app that
# speaks the chat-completions format, is served on 127.0.0.1, and a second DocChat is pointed at
# it purely through settings. The fake can answer, fail with a 500, or never answer at all (it
# waits until DocChat gives up and hangs up). DocChat waits 30 s for an answer, except in the
# last case, where it is given 0.3 s: the first two have all the time a busy machine needs, and
# the last can only time out.

# %%
import asyncio

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

upstream = FastAPI()
received: list[dict] = []
behaviour = {"mode": "answer"}


@upstream.post("/v1/chat/completions")
async def chat_completions(request: Request):
    payload = await request.json()
    received.append({"authorization": request.headers["authorization"], "model": payload["model"]})
    if behaviour["mode"] == "fail":
        return JSONResponse({"error": "overloaded"}, status_code=500)
    if behaviour["mode"] == "slow":  # no answer until DocChat has hung up (at most 30 s)
        for _ in range(3000):
            if await request.is_disconnected():
                break
            await asyncio.sleep(0.01)
    return {"choices": [{"message": {"role": "assistant", "content": "Use white vinegar [1]."}}]}


fake_llm = serve(upstream, name="fake-llm")
model_settings = Settings(
    _env_file=None,
    database_url="sqlite://",
    openai_api_key="sk-capstone-demo-key",
    openai_base_url=fake_llm.url + "/v1",
    llm_model="demo-model",
    llm_timeout_s=30.0,
)
outcomes = {}
for mode in ("answer", "fail", "slow"):
    behaviour["mode"] = mode
    timeout = {"llm_timeout_s": 0.3} if mode == "slow" else {}
    with TestClient(create_app(model_settings.model_copy(update=timeout))) as client:
        client_type = type(client.app.state.llm).__name__
        client.post("/documents/", json={"title": "Kettle manual", "content": KETTLE})
        response = client.post("/chat/ask", json={"question": "How do I descale the kettle?"})
        body = response.json()
        outcomes[mode] = (response.status_code, body.get("answer") or body["detail"])
fake_llm.stop()

print("LLM client:", client_type)
for mode, (status_code, text) in outcomes.items():
    print(f"upstream {mode:<7} -> {status_code} {text}")
print(
    "the upstream got the key as a bearer token and the model from the settings:",
    received[0] == {"authorization": "Bearer sk-capstone-demo-key", "model": "demo-model"},
)
assert client_type == "OpenAIChatClient"
assert [code for code, _ in outcomes.values()] == [200, 502, 504]
assert all("sk-capstone" not in text for _, text in outcomes.values())
assert received[0] == {"authorization": "Bearer sk-capstone-demo-key", "model": "demo-model"}

# %% [markdown]
# > **Interview probe.** *"The LLM provider is down. What does your API return, and why not 500?"*
# > A 500 says "our bug". An upstream failure is a **502 Bad Gateway**, a timeout a **504 Gateway
# > Timeout**: the client (and your alerting) can tell "we broke" from "they broke", retry the
# > right things, and the message never echoes the upstream's body, which may contain your key.
#
# ## Delete
#
# `DELETE /documents/{id}` answers **204 No Content**; the chunks and their index entries go with
# the document, so it can no longer be cited:

# %%
deleted = http.delete(f"/documents/{kettle_id}")
after = http.get(f"/documents/{kettle_id}")
again = ask("How do I descale the kettle?")
print(
    "DELETE ->",
    deleted.status_code,
    "| GET afterwards ->",
    after.status_code,
    after.json()["detail"],
)
print("sources for a kettle question now:", sorted({s["title"] for s in again["sources"]}))
assert deleted.status_code == 204
assert after.status_code == 404
assert kettle_id not in {s["document_id"] for s in again["sources"]}

# %% [markdown]
# ## Health and readiness
#
# Two probes with different questions. **Liveness** (`/health`): is the process serving requests?
# If not, restart it. **Readiness** (`/health/ready`): can it do useful work, i.e. does the
# database answer? If not, stop sending it traffic, but do not restart it. A readiness check that
# fails answers 503.

# %%
live, ready = http.get("/health"), http.get("/health/ready")
print("GET /health       ->", live.status_code, live.json())
print("GET /health/ready ->", ready.status_code, ready.json())
assert live.status_code == ready.status_code == 200
assert ready.json() == {"status": "ready", "database": "ok"}

# %% [markdown]
# ## Restart on the same database
#
# Stop the server, and before starting it again, simulate the worst moment for a crash: a document
# was stored (the client already has its 202) but its background task never ran. Background tasks
# live in the server's memory, so a restart loses them. DocChat's lifespan looks for documents left
# `pending` or `processing` and finishes them before serving the first request.

# %%
from docchat.core.db import build_engine, build_session_factory
from docchat.models import Document, DocumentStatus

http.close()
server.stop()

engine = build_engine(database)
with build_session_factory(engine)() as session:
    orphan = Document(
        title="Descaling note",
        content="Citric acid descales a kettle as well as vinegar does, and smells of nothing.",
        status=DocumentStatus.PENDING,
    )
    session.add(orphan)
    session.commit()
    orphan_id = orphan.id
engine.dispose()

server = serve(create_app(settings), name="docchat")  # same settings, same database file
http = httpx2.Client(base_url=server.url, timeout=10)

titles = [(d["title"], d["status"]) for d in http.get("/documents/").json()]
print("after the restart:", titles)
citric = ask("Which acid descales a kettle?")
show(citric)
assert titles == [("Tea guide", "ready"), ("Descaling note", "ready")]
assert http.get(f"/documents/{orphan_id}").json()["chunk_count"] >= 1
assert citric["sources"][0]["document_id"] == orphan_id

# %% [markdown]
# ## `/docs`: the API describes itself
#
# FastAPI serves the OpenAPI schema at `/openapi.json` and an interactive Swagger UI at `/docs`
# (and ReDoc at `/redoc`). To try it, open the server's address followed by `/docs` in your
# browser: `print(server.url + "/docs")` shows it (this notebook does not print it, because the
# port changes on every run). The next cell checks that the schema lists every route the app
# really has, with each route's docstring as its description.
#
# To list "the routes the app really has" you need one detail of FastAPI 0.137 and later:
# `include_router` no longer copies the router's routes into `app.routes`. It adds one node per
# included router, so `app.routes` holds only FastAPI's own documentation routes and three router
# nodes, and code that filters it for `APIRoute` (route listings, metrics and tracing middleware)
# finds nothing. `fastapi.routing.iter_route_contexts(app.routes)` flattens the tree into one
# entry per endpoint, with the full path (`path_format` drops a `:int` converter, as OpenAPI does).

# %%
from fastapi.routing import APIRoute, iter_route_contexts

app = server.app
schema = http.get("/openapi.json").json()
docs_page = http.get("/docs")

flat = [route for route in app.routes if isinstance(route, APIRoute)]
endpoints = sorted(
    (context.path_format, method.lower(), context.original_route.description)
    for context in iter_route_contexts(app.routes)
    if isinstance(context.original_route, APIRoute)
    for method in context.methods
)
print("APIRoutes found by walking app.routes:", len(flat))
print("endpoints found by iter_route_contexts:", len(endpoints))
for path, method, description in endpoints:
    operation = schema["paths"][path][method]
    print(f"   {method.upper():<7}{path:<32} {operation['description']}")
    assert operation["description"] == description
    assert description

documented = {(path, method) for path, methods in schema["paths"].items() for method in methods}
assert flat == []
assert documented == {(path, method) for path, method, _ in endpoints}
assert docs_page.status_code == 200
assert "swagger-ui" in docs_page.text

# %% [markdown]
# ## Running DocChat outside the notebook
#
# In a terminal, from the project folder, with the virtual environment active:
#
# ```bash
# docchat serve                       # http://127.0.0.1:8000, docs at /docs
# docchat serve --port 8080 --reload  # restart on code changes while you develop
# DOCCHAT_DATABASE_URL=sqlite:///./dev.db DOCCHAT_OPENAI_API_KEY=sk-... docchat serve
# uvicorn docchat.main:create_app --factory   # the same app, started by uvicorn directly
# ```
#
# `docchat serve` reads the settings from the environment and `.env` first and refuses to start
# (status 2, one line per problem) when they are invalid, then hands the factory to uvicorn. The
# cell below proves the command works: it starts it as a separate process on a free port, waits
# for `/health`, and stops it.

# %%
import os
import socket
import subprocess
import sys

from docchat_lab.notebook import scratch_dir

with socket.socket() as probe:  # ask the OS for a free port, then give it back
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]

workdir = scratch_dir()
env = {k: v for k, v in os.environ.items() if not k.upper().startswith("DOCCHAT_")}
env["DOCCHAT_DATABASE_URL"] = sqlite_url("cli")
with (workdir / "server.log").open("w", encoding="utf-8") as log:
    process = subprocess.Popen(
        [sys.executable, "-m", "docchat", "serve", "--port", str(port), "--log-level", "warning"],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        answered = False
        give_up = time.monotonic() + 20
        while not answered and time.monotonic() < give_up and process.poll() is None:
            try:
                answered = (
                    httpx2.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
                )
            except httpx2.TransportError:
                time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=20)

banner = (workdir / "server.log").read_text(encoding="utf-8").splitlines()[0]
print("`docchat serve` answered /health:", answered)
print("it announced where its docs are:", f":{port}/docs" in banner)
assert answered
assert f":{port}/docs" in banner

# %% [markdown]
# Stop the servers this notebook started (re-running the notebook, or `setup()`, would do it too):

# %%
http.close()
server.stop()
print("server running:", server.running)
assert not server.running

# %% [markdown]
# ## Recap
#
# - `create_app(settings)` is the whole assembly: engine and sessions, a lifespan that creates the
#   tables, recovers unfinished documents and opens the LLM client, the routers, the error
#   handlers, CORS and timing. Everything it needs comes from `settings`.
# - Upload answers **202** and processing happens in the background; clients poll until `ready`
#   or `failed`. Bad input is a 4xx with a reason, never half-stored.
# - Lists are paginated with bounds; questions are answered from the best chunks, with citations.
# - The LLM is a setting: no key, the offline answerer; a key, any OpenAI-compatible API, with its
#   failures reported as **502/504**.
# - Data lives in the database, so it survives a restart; unfinished work is picked up at start-up,
#   because background tasks themselves do not survive.
# - `/docs` and `/openapi.json` describe every route; `docchat serve` runs it all from a terminal.
