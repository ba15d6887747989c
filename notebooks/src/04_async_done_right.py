# %% [markdown]
# # 04 · Async done right
#
# `async def` is not a speed switch. It lets one thread juggle many requests, but only while each
# of them is *waiting* on something it `await`s. This notebook serves small apps inline, sends
# them concurrent requests, and watches what each kind of endpoint does to its neighbours: a
# blocking call inside `async def`, an awaited one, a plain `def`, and `run_in_threadpool`. Then
# the thread pool behind `def` endpoints (40 threads, shared by more than you think), and why
# threads do not help CPU-bound Python. Then you write DocChat's `POST /chat/ask` and the client
# that asks a language model, both `async`, both waiting without blocking anyone.
#
# (Why a server cannot simply be started with `uvicorn.run()` in a notebook, and what
# `nest_asyncio2` does about it, is the appendix notebook `A1_event_loops_in_jupyter`.)
#
# **After this notebook you can:**
# - predict, and prove by the order of events, which endpoints stall the whole server;
# - size the worker thread pool (40 by default) and raise it in `lifespan`;
# - tell CPU-bound Python (threads take turns on the GIL) from native code that lets go of it;
# - write `ask` in `my_docchat/api/routes/chat.py` and `OpenAIChatClient.answer` in
#   `my_docchat/services/llm.py`, DocChat's stage 04.

# %%
# Warnings are errors here, as in the test suite: a deprecation fails the cell that causes it.
import warnings

warnings.simplefilter("error")
# ipykernel warns about its own shutdown code; that is the kernel's business, not the lesson's.
warnings.filterwarnings("default", module="ipykernel")

from docchat_lab.notebook import setup

setup(stage=4)

# %% [markdown]
# > **PHP bridge.** PHP-FPM gives every request its own worker process, so a blocking call only
# > ties up that one worker; the pool size (`pm.max_children`) is your concurrency. An `async def`
# > endpoint is different: every such request shares **one** thread and one event loop. A blocking
# > call there is like a single FPM worker serving the whole site. A plain `def` endpoint is closer
# > to what you know: FastAPI runs it on a worker thread from a pool.
#
# ## Four ways to wait
#
# One small app, five endpoints. Four of them wait in a different way; `/ping` answers at once:
#
# | endpoint | how it waits | who waits |
# |---|---|---|
# | `/blocking` | `async def` + `time.sleep(DELAY)` | the event loop itself: **everyone** |
# | `/awaiting` | `async def` + `await asyncio.sleep(...)` | this request only; the loop goes on |
# | `/sync` | plain `def` + `time.sleep(...)` | a worker thread: FastAPI runs `def` in its pool |
# | `/threadpool` | `async def` + `await run_in_threadpool(...)` | a worker thread |
#
# The blocking one sleeps `DELAY` seconds. The other three wait, in short steps, until `/ping` has
# been answered and every call has started: waiting for *events* rather than for a number of
# seconds gives the same outcome on a fast laptop and on a busy machine. `spans.span()` notes when
# each call ran, as seen by the server (`docchat_lab/lesson/waiting.py`).
#
# `time.sleep` stands in for any blocking call: `requests.get`, a synchronous database driver, a
# slow file read. `asyncio.sleep` stands in for awaited network I/O, such as `httpx2.AsyncClient`
# or an LLM SDK's async client.

# %%
import asyncio
import time

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from docchat_lab.lesson.waiting import Spans
from docchat_lab.notebook import serve

DELAY, CALLS = 0.2, 5
spans = Spans(calls=CALLS)
four_ways = FastAPI()


@four_ways.get("/blocking")
async def blocking() -> dict[str, str]:
    with spans.span():
        time.sleep(DELAY)  # blocks the event loop: nothing else runs meanwhile
    return {"waited": "blocking"}


@four_ways.get("/awaiting")
async def awaiting() -> dict[str, str]:
    with spans.span():
        await spans.wait_awaiting()  # gives the loop back while waiting
    return {"waited": "awaiting"}


# %%
@four_ways.get("/sync")
def sync_endpoint() -> dict[str, str]:
    with spans.span():
        spans.wait_in_this_thread()  # blocks a worker thread, not the loop
    return {"waited": "sync"}


@four_ways.get("/threadpool")
async def threadpool() -> dict[str, str]:
    with spans.span():
        await run_in_threadpool(spans.wait_in_this_thread)  # the same, done by hand
    return {"waited": "threadpool"}


@four_ways.get("/ping")
async def ping() -> dict[str, bool]:
    spans.ping()
    return {"pong": True}


lab = serve(four_ways, name="four-ways")
print("the lab app is being served in a thread:", lab.running)

# %% [markdown]
# `burst()` sends `CALLS` requests at one endpoint at once and, as soon as the first of them is
# running, one `/ping`. From what the server noted, two yes/no questions:
#
# - **Did the slow calls overlap?** Were two or more of them running at the same moment?
# - **Did `/ping` stall?** Was it answered only after a slow call had finished, although it
#   arrived while the first one was running?

# %%
# erratum 14: blocking in async def stalls everyone; await, def and run_in_threadpool overlap
from docchat_lab.lesson.waiting import burst

paths = ("/blocking", "/awaiting", "/sync", "/threadpool")
results = {path: await burst(lab.url, path, spans) for path in paths}
lab.stop()

print(f"{'endpoint':<12} {'calls overlap':<15} /ping stalled")
for path, (overlapped, ping_stalled, _) in results.items():
    print(f"{path:<12} {overlapped!s:<15} {ping_stalled}")

assert results["/blocking"][:2] == (False, True)  # one at a time, and /ping waited
assert results["/blocking"][2] >= CALLS * DELAY  # a sleep lasts at least DELAY: 5 in a row
for path in paths[1:]:
    assert results[path][:2] == (True, False), path

# %% [markdown]
# The rule that follows:
#
# - `async def` only when everything slow inside it is `await`ed;
# - plain `def` when the work is synchronous (a sync ORM session, `requests`, file I/O);
# - inside an `async def` that must call one synchronous thing, wrap that one call in
#   `await run_in_threadpool(fn, *args)`, which is what DocChat's `/chat/ask` does.
#
# > **Interview probe.** "We made all our endpoints `async def` and latency got *worse* under
# > load. Why?" A synchronous call (a sync DB driver, `requests`, `time.sleep`) inside `async def`
# > runs on the event loop, so requests queue behind it. As plain `def` functions they would have
# > run in the thread pool. Either make the call truly async, or make the endpoint `def`, or wrap
# > the call in `run_in_threadpool`.

# %% [markdown]
# ## The thread pool has 40 threads, and everything synchronous shares it
#
# FastAPI (through Starlette) runs `def` endpoints with anyio's `to_thread.run_sync`. Every call
# borrows a token from anyio's *default thread limiter*, which holds **40** tokens per event loop.
# The 41st concurrent synchronous call waits for a token. The same limiter is used by
# `run_in_threadpool`, by synchronous dependencies (for a `yield` dependency such as `get_db`, the
# part before `yield`: FastAPI runs the teardown outside the limit, so cleanup never queues), by
# sync background tasks, by a `StreamingResponse` over a sync iterator and by `UploadFile`'s async
# methods once the upload has spilled to disk.
#
# First, the number itself, asked from inside the running server's loop (the limiter belongs to
# a loop, so it must be read from code running on it):

# %%
# erratum 15: def endpoints share anyio's default thread limiter: 40 tokens
import anyio.to_thread
import httpx2

limits_app = FastAPI()


@limits_app.get("/limiter")
async def limiter_tokens() -> dict[str, int]:
    limiter = anyio.to_thread.current_default_thread_limiter()
    return {"total_tokens": int(limiter.total_tokens)}


limits_server = serve(limits_app, name="limits")
tokens = httpx2.get(limits_server.url + "/limiter", timeout=5).json()["total_tokens"]
limits_server.stop()
assert tokens == 40
assert anyio.to_thread.current_default_thread_limiter().total_tokens == 40  # the kernel's loop too
print("worker threads per event loop (anyio's default limiter):", tokens)

# %% [markdown]
# Now 100 concurrent `def` calls. With 40 threads, they must run in waves: 40, then 40, then the
# last 20. To see the waves without timing anything, every call holds its thread until the cell
# lets its wave go, and the cell asks the pool itself what it is doing: anyio's limiter reports
# how many tokens are borrowed and how many calls wait for one (`statistics()`). A wave is
# complete when every call not yet let go is either inside the endpoint or waiting for a thread,
# and no other call holds a thread; then the cell notes its size and lets it go
# (`docchat_lab/lesson/thread_pool.py` holds that machinery). The second run raises the limit
# in the app's `lifespan`, the place for start-up work that must run on the server's loop.

# %%
# erratum 15: 100 def calls run in waves of 40; raising the limit in lifespan removes the waves
from docchat_lab.lesson.thread_pool import calls_in_waves

REQUESTS = 100
default_waves = await calls_in_waves(REQUESTS, tokens=None)
raised_waves = await calls_in_waves(REQUESTS, tokens=REQUESTS)
assert default_waves == [40, 40, 20]
assert raised_waves == [REQUESTS]
print(f"{REQUESTS} def calls, default pool of 40:   waves of {default_waves}")
print(f"{REQUESTS} def calls, pool raised in lifespan: waves of {raised_waves}")

# %% [markdown]
# Raising the limit is right when the threads mostly *wait* (slow network, a remote database):
# more threads means more waiting in parallel. Each thread costs memory (its stack), and a
# database pool of 5 connections will not serve 100 threads any faster, so raise it to match what
# is behind it, not to a huge number.
#
# The pool is shared. When 40 slow `def` calls hold every token, an `async def` endpoint still
# answers at once, unless it needs a thread for *anything*: a synchronous dependency,
# `run_in_threadpool`, or a synchronous background task all wait for a free token. The cell below
# holds all 40 threads, sends one request of each kind, waits until the pool reports exactly
# three calls waiting for a token, and only then lets the 40 go. Each piece of code notes whether
# the threads had been let go when it ran: which of them had to wait follows from that order.

# %%
import threading
from typing import Annotated

import httpx2
from fastapi import BackgroundTasks, Depends

from docchat_lab.lesson.thread_pool import limiter_lifespan
from docchat_lab.lesson.waiting import PATIENCE, until

shared = FastAPI(lifespan=limiter_lifespan(None))
holding = {"count": 0}
holding_lock = threading.Lock()  # 40 threads update the count: `+=` alone is not atomic
let_go = threading.Event()
ran_after_let_go: dict[str, bool] = {}


@shared.get("/hold", response_model=None)
def hold_a_thread() -> dict[str, bool]:
    with holding_lock:  # a def endpoint: runs on a worker thread
        holding["count"] += 1
    assert let_go.wait(PATIENCE), "the cell never let the holders go"
    return {"held": True}


# %%
def sync_dependency() -> str:
    ran_after_let_go["/async-with-sync-dependency"] = let_go.is_set()
    return "built on a worker thread"


def count_in_a_thread(text: str) -> int:
    ran_after_let_go["/async-with-threadpool"] = let_go.is_set()
    return len(text)


def sync_task() -> None:
    ran_after_let_go["sync background task"] = let_go.is_set()


# %%
@shared.get("/async-only")
async def async_only() -> dict[str, bool]:
    ran_after_let_go["/async-only"] = let_go.is_set()
    return {"ok": True}


@shared.get("/async-with-sync-dependency")
async def async_with_sync_dependency(
    value: Annotated[str, Depends(sync_dependency)],
) -> dict[str, str]:
    return {"value": value}


@shared.get("/async-with-threadpool")
async def async_with_threadpool() -> dict[str, int]:
    return {"value": await run_in_threadpool(count_in_a_thread, "four")}


@shared.get("/async-with-sync-task")
async def async_with_sync_task(tasks: BackgroundTasks) -> dict[str, bool]:
    tasks.add_task(sync_task)
    return {"queued": True}


# %%
# erratum 15: sync dependencies, run_in_threadpool and sync tasks wait for the same 40 threads
shared_server = serve(shared, name="shared-pool")
limiter = shared_server.app.state.limiter
async with httpx2.AsyncClient(base_url=shared_server.url, timeout=60) as client:
    holders = [asyncio.create_task(client.get("/hold")) for _ in range(40)]
    await until(lambda: holding["count"] == 40, "40 threads held")
    probes = [
        "/async-only",
        "/async-with-sync-dependency",
        "/async-with-threadpool",
        "/async-with-sync-task",
    ]
    answers = {path: asyncio.create_task(client.get(path)) for path in probes}
    # Two answers arrive while every thread is held...
    answered_while_held = [
        (await answers[path]).status_code for path in ("/async-only", "/async-with-sync-task")
    ]
    assert not let_go.is_set()
    # ...and three pieces of code wait for a token: the dependency, the function, the task.
    await until(lambda: limiter.statistics().tasks_waiting == 3, "three calls waiting")
    let_go.set()
    await asyncio.gather(*holders, *answers.values())
    await until(lambda: "sync background task" in ran_after_let_go, "the task ran")
shared_server.stop()

assert answered_while_held == [200, 200]  # the task's response went out at once...
for what in [*probes[:3], "sync background task"]:  # in a fixed order: they ran in any
    print(f"while 40 def calls hold the pool, {what} waited for a thread: {ran_after_let_go[what]}")
assert ran_after_let_go == {
    "/async-only": False,
    "/async-with-sync-dependency": True,
    "/async-with-threadpool": True,
    "sync background task": True,  # ...but the task itself waited
}

# %% [markdown]
# ## CPU-bound work: threads take turns on the GIL
#
# Threads help with *waiting*. They do not help with *computing* in Python: in CPython only the
# thread that holds the Global Interpreter Lock (GIL) runs Python code. Another thread that wants
# to run asks for the GIL, and the holder hands it over after the *switch interval* (5 ms by
# default, `sys.getswitchinterval()`). So CPU-bound threads take turns; they never compute side by
# side, however many cores the machine has.
#
# The cell below makes that visible by events, not timing: a second thread spins, counting, while
# this one computes in pure Python. With the default interval, the other thread gets its turns.
# With the interval made very long, it gets **none**: the holder keeps the GIL for the whole
# computation. (On one core or on sixty-four, the result is the same: it is the GIL, not the
# hardware. On a free-threaded Python without a GIL, the second assert fails, as it should.)

# %%
# erratum 15: CPU-bound work is not helped by threads (GIL): they take turns, never run together
from docchat_lab.lesson.waiting import count_up, progress_of_a_spinning_thread


def compute() -> int:
    return count_up(2_000_000)  # pure Python: holds the GIL while it runs


with_turns = progress_of_a_spinning_thread(compute, interval=None)
without_turns = progress_of_a_spinning_thread(compute, interval=30.0)
assert with_turns > 0, "with the default switch interval, the other thread got turns"
assert without_turns == 0, "no turn handed over: nothing else ran while Python computed"
print("the other thread ran while this one computed, 5 ms turns:", with_turns > 0)
print("the other thread ran while this one computed, 30 s turns:", without_turns > 0)

# %% [markdown]
# Native code is different when it lets go of the GIL while it works. `hashlib` does so for large
# inputs, and so do NumPy and much of Pillow's C code (resizing an image, for instance). Then the
# other thread runs even with the 30-second interval: such work is *not* an example of what
# threads cannot help, which is why this notebook's CPU-bound example is plain Python.

# %%
import hashlib

data = b"x" * 20_000_000
released = progress_of_a_spinning_thread(lambda: hashlib.sha256(data).digest(), interval=30.0)
assert released > 0, "hashlib let go of the GIL: the other thread ran meanwhile"
print("the other thread ran while hashlib hashed 20 MB, 30 s turns:", released > 0)

# %% [markdown]
# What actually helps with CPU-bound Python:
#
# - **A process pool.** Separate processes have separate GILs. From an `async def` endpoint:
#   `await anyio.to_process.run_sync(fn, *args)`, or `loop.run_in_executor(pool, fn, *args)` with
#   a `ProcessPoolExecutor` created in `lifespan`. Arguments and results are pickled: keep them
#   small.
# - **A worker queue.** Celery, RQ, Arq or Dramatiq run the work in worker processes that survive
#   restarts; the request only enqueues a job and answers 202 (notebook 06).
# - **More server processes.** `uvicorn --workers 4` lets 4 requests compute at once, at the price
#   of 4 copies of the app in memory.
#
# > **Interview probe.** "An endpoint scores documents in pure Python in a `def` function. Under
# > load, the whole API slows down. Would `async def` fix it?" No, it would make it worse: the
# > loop itself would compute, and every request would wait. Move the work to a process pool or a
# > job queue, answer 202 with a job id, and let the client poll. Mention the 40-thread pool too:
# > slow `def` calls also starve every synchronous dependency.
#
# ## What about async database drivers?
#
# An async driver (asyncpg, or aiosqlite under SQLAlchemy's `AsyncSession`) lets the event loop
# itself wait for the database. Whether that is faster than a synchronous session on a few
# threads depends on the load, and this kit does not measure it: it ships no async driver, so it
# makes no claim either way. DocChat uses the synchronous session and sends each unit of database
# work to its own threads with `db_read` (next section); `bench/async_chat.py` measures that
# design. The cell below fails if an async driver is ever installed with the lab, as a reminder
# that a claim about it then needs a measured demonstration here.

# %%
import importlib.util

async_drivers = [name for name in ("aiosqlite", "asyncpg") if importlib.util.find_spec(name)]
assert async_drivers == [], "an async driver is installed: measure it here before claiming"
print("async database drivers in this lab:", async_drivers or "none")

# %% [markdown]
# ## Build step: DocChat's `POST /chat/ask`
#
# Stage 04 is DocChat's question endpoint and the client it awaits. `ask` is `async def`
# because its slow part, the language model, is network I/O that can be awaited. Its other
# part, finding the best passages, uses the *synchronous* SQLAlchemy session, so it must not run
# on the loop: `db_read(work, session, ...)` runs `work(session, ...)` on one of the database's
# own threads and gives the connection back before it returns, so no connection is held while
# the model thinks. The search itself, `_retrieve`, is given:

# %%
from docchat_lab.notebook import stage_source

stage_source("api/routes/chat.py", "_retrieve", 4)

# %% [markdown]
# Write `ask` in the next cell (or in `my_docchat/api/routes/chat.py`); its docstring is the
# specification: the hits from `await db_read(_retrieve, session, body)`, the model's answer,
# and one `Source` per hit, numbered from 1 in the order found, so that `[1]` in the answer is
# the first source.

# %% build="api/routes/chat.py:ask"

# %% [markdown]
# The model's client is a `Protocol`: anything with an async `answer(question, passages)` and
# `aclose()` fits. Without an API key DocChat uses `OfflineAnswerer`, which quotes and cites with
# no network. With a key it uses `OpenAIChatClient`, which speaks the OpenAI-compatible chat
# completions API (OpenAI, or Ollama, vLLM and others through the base URL) over an
# `httpx2.AsyncClient` built in its constructor. A test talks to it through
# `httpx2.MockTransport`: a function that plays the upstream, with no network at all.

# %%
import json

import httpx2


async def upstream(request: httpx2.Request) -> httpx2.Response:
    asked = json.loads(request.content)["question"]
    reply = {"choices": [{"message": {"content": f"you asked: {asked}"}}]}
    return httpx2.Response(200, json=reply)


async with httpx2.AsyncClient(transport=httpx2.MockTransport(upstream)) as client:
    response = await client.post(
        "http://llm.invalid/v1/chat/completions", json={"question": "why?"}
    )
assert response.status_code == 200
assert response.json()["choices"][0]["message"]["content"] == "you asked: why?"
print("the mock upstream answered:", response.json()["choices"][0]["message"]["content"])

# %% [markdown]
# Two traps for `answer`. httpx does not raise for a status code by itself: a 500 is a response
# like any other, and yours must become an `LLMError` (a 502 to the client). And httpx's
# `timeout=` bounds each *read*, not the whole call: an upstream that sends its reply one byte at
# a time never trips it. The cell shows the tool that bounds the whole call, `asyncio.timeout`:


# %%
class OneByteAtATime(httpx2.AsyncByteStream):
    async def __aiter__(self):
        while True:
            await asyncio.sleep(0.05)  # each read is quick: no read timeout ever fires
            yield b" "


async def trickle(request: httpx2.Request) -> httpx2.Response:
    return httpx2.Response(200, stream=OneByteAtATime())


transport = httpx2.MockTransport(trickle)
async with httpx2.AsyncClient(transport=transport, timeout=0.2) as client:
    try:
        async with asyncio.timeout(0.3):
            await client.post("http://llm.invalid/v1/chat/completions", json={})
        outcome = "answered"
    except TimeoutError:
        outcome = "cut off by asyncio.timeout"
assert outcome == "cut off by asyncio.timeout"
print("a trickling upstream, with asyncio.timeout(0.3):", outcome)

# %% [markdown]
# Now write `answer` (the class's other parts are given; only `answer` is yours):

# %% build="services/llm.py:OpenAIChatClient"

# %% [markdown]
# Then check both. The checks host your router on an app of theirs, with documents already
# indexed and a model of their own, and run your client against a fake upstream: one that
# answers, one that fails, one that never answers, one that trickles. They also hold your
# search until a request sent alongside has been answered: if your `ask` blocks the event loop,
# that request cannot be, and the check says so. A hint appears only once a check has failed.

# %%
from docchat_lab.notebook import check

check("04")

# %% [markdown]
# And try yours: the cell serves your `ask`, inline, over two small documents.

# %%
from docchat_lab.notebook import try_yours

try_yours(4)

# %% [markdown]
# ## Your turn
#
# Make every check above pass. A terminal works too (File → New → Terminal):
# `docchat-lab watch 04` checks again each time you save, `docchat-lab progress` shows which
# stages pass, and `docchat-lab reset 04` puts stage 04 back to its stubs (your version is kept
# in `.docchat-lab/history/`).
#
# **Extra practice** (optional, not part of your DocChat): `exercises/ex04_async.py` has you fix
# endpoints that block the event loop, on a small app of its own. Check it with `check("ex04")` in
# a cell, or `docchat-lab check ex04` in a terminal.
#
# ## Recap
#
# - A blocking call inside `async def` stalls every request, even `/ping`. `await`, a plain `def`
#   endpoint, or `run_in_threadpool` keep the server responsive.
# - `def` endpoints, sync dependencies, sync background tasks and `run_in_threadpool` share one
#   pool of 40 threads per loop: call 41 waits. Raise the limit in `lifespan` when threads mostly
#   wait.
# - CPU-bound Python takes turns on the GIL; native code that lets go of it (hashlib, NumPy,
#   much of Pillow) does not. For Python that computes: a process pool, a job queue, more
#   processes.
# - DocChat's `ask` is `async`: the search goes to a database thread with `db_read`, then the
#   model is awaited. `answer` bounds the whole call with `asyncio.timeout` and turns every
#   upstream failure into an `LLMError`.
#
# ## Further reading
#
# - FastAPI: [Concurrency and async / await](https://fastapi.tiangolo.com/async/),
#   [Lifespan events](https://fastapi.tiangolo.com/advanced/events/).
# - Starlette: [Thread pool](https://www.starlette.io/threadpool/).
# - SQLAlchemy: [Asynchronous I/O (asyncio)](https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html).
# - AnyIO: [Working with threads](https://anyio.readthedocs.io/en/stable/threads.html).
# - HTTPX: [Timeouts](https://www.python-httpx.org/advanced/timeouts/),
#   [Mock transports](https://www.python-httpx.org/advanced/transports/#mock-transports).
