# %% [markdown]
# # 04 · Async done right
#
# `async def` is not a speed switch. It lets one thread juggle many requests, but only while each
# of them is *waiting* on something it `await`s. In this notebook you start a real uvicorn server
# inside the notebook, fire concurrent requests at it, and measure what each kind of endpoint does
# to its neighbours: a blocking call inside `async def`, an awaited one, a plain `def`, and
# `run_in_threadpool`. Then you meet the thread pool behind `def` endpoints (40 threads, shared by
# more than you think), see why threads do not help CPU-bound work, and read the `async` route that
# DocChat uses to ask its language model.
#
# Before any of that: why `uvicorn.run()` refuses to start in Jupyter, and how the kit serves apps
# instead.
#
# **After this notebook you can:**
# - explain why `asyncio.run()` and `uvicorn.run()` fail inside a notebook, what `nest_asyncio2`
#   changes, and why the kit runs servers in a thread on their own event loop;
# - predict, and prove with a measurement, which endpoints stall the whole server;
# - size the worker thread pool (40 by default) and raise it in `lifespan`;
# - pick the right tool for CPU-bound work (a process pool or a job queue, not threads);
# - read DocChat's `POST /chat/ask`: `async`, awaiting its LLM client, with the synchronous
#   database lookup pushed to the thread pool.

# %%
# Warnings are errors here, as in the test suite: a deprecation fails the cell that causes it.
import warnings

warnings.simplefilter("error")
# ipykernel warns about its own shutdown code; that is the kernel's business, not the lesson's.
warnings.filterwarnings("default", module="ipykernel")

from docchat_lab.notebook import setup

setup()

# %% [markdown]
# ## 1. The notebook already runs an event loop
#
# A Jupyter kernel is itself an asyncio program: it waits for your cells on an event loop, and runs
# each cell *from inside* that loop. That is why a cell can use `await` at the top level. It is
# also why anything that wants to *start* an event loop of its own fails here: asyncio allows one
# running loop per thread.

# %%
import asyncio

kernel_loop = asyncio.get_running_loop()  # in a plain script this line would raise
assert kernel_loop.is_running()
print("this cell runs inside a running event loop:", kernel_loop.is_running())

# %% [markdown]
# `asyncio.run(coro)` creates a new loop, runs `coro` to the end, and closes the loop. Inside the
# kernel it refuses. Note the tidy-up: the coroutine object was created but never started, and
# Python warns about coroutines that are never awaited, so the cell closes it.
#
# (If you run this notebook a second time in the same kernel, section 2 has already patched
# asyncio, and the cell says so instead: restart the kernel to see the error again.)


# %%
async def answer() -> int:
    return 42


already_patched = hasattr(asyncio, "_nest_patched")  # set by nest_asyncio2, in section 2
coro = answer()
try:
    result = asyncio.run(coro)
    message = None
except RuntimeError as exc:
    message = str(exc)
finally:
    coro.close()  # never started: close it, or Python warns "coroutine ... was never awaited"

if already_patched:
    assert result == 42
    print("nest_asyncio2 is already applied in this kernel, so asyncio.run worked.")
    print("Restart the kernel to see the error.")
else:
    assert message == "asyncio.run() cannot be called from a running event loop"
    print("RuntimeError:", message)

# %% [markdown]
# `uvicorn.run(app)` is a thin wrapper: it builds a `uvicorn.Server` and calls `server.run()`,
# which hands the coroutine `server.serve()` to `asyncio.run()` (on Python 3.11, to an
# `asyncio.Runner`, which does the same check). So it fails in exactly the same way. The wording of
# the error depends on the Python version, so the cell checks for the common part ("running ...
# loop") and prints a stable conclusion. `log_config=None` stops uvicorn from reconfiguring the
# kernel's logging.

# %%
import inspect
import re

import uvicorn
from fastapi import FastAPI


def close_unstarted_coroutines(exc: BaseException | None) -> int:
    """Close the coroutines a failed call created but never ran (they would warn at exit)."""
    closed = 0
    while exc is not None:
        tb = exc.__traceback__
        while tb is not None:
            for value in list(tb.tb_frame.f_locals.values()):
                if not inspect.iscoroutine(value):
                    continue
                if inspect.getcoroutinestate(value) == inspect.CORO_CREATED:
                    value.close()
                    closed += 1
            tb = tb.tb_next
        exc = exc.__context__
    return closed


hello_app = FastAPI()
try:
    uvicorn.run(hello_app, port=0, log_config=None)
    refused = None
except RuntimeError as exc:
    refused = exc
    leftovers = close_unstarted_coroutines(exc)

assert refused is not None, "uvicorn.run() started a server inside the kernel"
assert re.search(r"running event loop|another loop is running", str(refused)), refused
assert leftovers >= 1  # uvicorn had built Server.serve() and could never run it
print("uvicorn.run() refuses to start inside the kernel:", isinstance(refused, RuntimeError))
del refused

# %% [markdown]
# ## 2. What `nest_asyncio2` changes
#
# `nest_asyncio2.apply()` patches asyncio so that a loop may be re-entered: `asyncio.run()` and
# `loop.run_until_complete()` now work while a loop is running, by running the coroutine *on the
# running loop*, nested inside the current cell.
#
# Three things to know before you reach for it:
#
# - **It is global and permanent for the kernel.** It replaces `asyncio.run`, swaps asyncio's fast
#   C tasks for the pure-Python ones, and patches the kernel's loop. There is no undo: only a
#   kernel restart removes it. (Everything below keeps working with it applied, and a second
#   "Run All" in the same kernel works too: `apply()` is idempotent.)
# - **Use `nest_asyncio2`, never the original `nest_asyncio`.** The original is no longer
#   maintained, and under ipykernel 7 it makes the kernel drop cells that are queued behind a
#   running one: press "Run All" and some cells silently never run.
# - **It does not make `uvicorn.run()` usable.** Even a nested run only returns when the server
#   stops, and a server runs until you stop it: the cell would never finish, so you could never
#   run the cell that calls the server.

# %%
import nest_asyncio2

nest_asyncio2.apply()


async def which_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


assert asyncio.run(answer()) == 42
ran_on = asyncio.run(which_loop())
assert ran_on is asyncio.get_running_loop()  # nested: the kernel's own loop ran it
print("after nest_asyncio2.apply(), asyncio.run works in a cell:", asyncio.run(answer()) == 42)
print("and it runs the coroutine on the kernel's own loop:", ran_on is asyncio.get_running_loop())

# %% [markdown]
# ## 3. Why the kit serves apps in a thread, on a loop of their own
#
# There is another way to run uvicorn in a notebook: schedule `server.serve()` as a task on the
# kernel's loop. It starts, and `await`ed calls to it work. But the first *synchronous* call from a
# cell (`httpx2.get`, `requests.get`, a database driver, TestClient...) deadlocks: the cell blocks
# the kernel's loop while it waits for an answer, and the server that should answer needs that very
# loop to run. The cells below show it, with a short timeout instead of a hang.
#
# `nest_asyncio2` does not rescue you here. It lets `asyncio.run(...)` drive the loop from inside
# a cell, so an *async* client wrapped in `asyncio.run` gets through; but TestClient, `requests`,
# database drivers and every other synchronous library wait on a socket, not on asyncio, and the
# loop does not turn while they wait.

# %%
import socket

import httpx2

on_kernel_app = FastAPI()


@on_kernel_app.get("/ping")
async def ping_on_kernel() -> dict[str, bool]:
    return {"pong": True}


listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen()
kernel_url = f"http://127.0.0.1:{listener.getsockname()[1]}"

on_kernel = uvicorn.Server(uvicorn.Config(on_kernel_app, log_config=None, lifespan="off"))
on_kernel_task = asyncio.ensure_future(on_kernel.serve(sockets=[listener]))
while not on_kernel.started:  # top-level await: the kernel's loop runs the server meanwhile
    await asyncio.sleep(0.01)
print("a server is running on the kernel's own loop:", on_kernel.started)


# %%
async def get_status(url: str) -> int:
    async with httpx2.AsyncClient() as client:
        return (await client.get(url)).status_code


awaited = await get_status(kernel_url + "/ping")  # awaiting hands the loop to the server
nested = asyncio.run(get_status(kernel_url + "/ping"))  # nest_asyncio2: a nested run of the loop

try:
    httpx2.get(kernel_url + "/ping", timeout=0.5)  # blocks the loop the server needs
    deadlocked = False
except httpx2.ReadTimeout:
    deadlocked = True

assert awaited == nested == 200
assert deadlocked
print("an awaited call works:", awaited == 200)
print("asyncio.run() of an async call works (nest_asyncio2 runs the loop nested):", nested == 200)
print("a synchronous call from a cell deadlocks (timed out):", deadlocked)

# %%
on_kernel.should_exit = True
await on_kernel_task
listener.close()
assert on_kernel_task.done()
print("the server on the kernel's loop has stopped:", on_kernel_task.done())

# %% [markdown]
# The kit's `serve(app, name=...)` (in `docchat_lab/serving.py`) avoids both problems: it starts
# uvicorn in a daemon thread with a brand-new event loop. The kernel's loop stays free for your
# cells, the server's loop stays free for requests, and synchronous and asynchronous calls both
# work. It binds port 0 (any free port) and exposes the real address as `server.url`, which the
# notebook never prints, because it changes on every run.

# %%
from docchat_lab.notebook import serve

in_thread = serve(on_kernel_app, name="ping")
sync_status = httpx2.get(in_thread.url + "/ping", timeout=5).status_code
async_status = await get_status(in_thread.url + "/ping")
assert sync_status == async_status == 200
print("served in a thread: synchronous call", sync_status, "| awaited call", async_status)
in_thread.stop()

# %% [markdown]
# > **PHP bridge.** PHP-FPM gives every request its own worker process, so a blocking call only
# > ties up that one worker; the pool size (`pm.max_children`) is your concurrency. An `async def`
# > endpoint is different: every such request shares **one** thread and one event loop. A blocking
# > call there is like a single FPM worker serving the whole site. A plain `def` endpoint is closer
# > to what you know: FastAPI runs it on a worker thread from a pool.

# %% [markdown]
# ## 4. Four ways to wait, measured
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
# been answered and all `CALLS` calls have started: waiting for *events* rather than for a number
# of seconds makes the outcome the same on a fast laptop and on a machine busy with other work.
# Each slow endpoint wraps its wait in `span()`, a small helper that notes when the call started
# and ended, as seen by the server.
#
# `time.sleep` stands in for any blocking call: `requests.get`, a synchronous database driver, a
# slow file read. `asyncio.sleep` stands in for any awaited I/O: `httpx2.AsyncClient`, an async
# database driver, an LLM SDK's async client.

# %%
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.concurrency import run_in_threadpool

DELAY = 0.2  # seconds a blocking call sleeps
CALLS = 5  # slow calls fired at once
PATIENCE = 30.0  # the longest the others wait for their events (a safety net, never reached)

# What the server saw: when each slow call started and ran, and when /ping was answered.
started: list[float] = []
spans: list[tuple[float, float]] = []
ping_times: list[float] = []
pinged, all_started = threading.Event(), threading.Event()


@contextmanager
def span() -> Iterator[None]:
    begin = time.perf_counter()
    started.append(begin)
    if len(started) == CALLS:
        all_started.set()
    yield
    spans.append((begin, time.perf_counter()))


def ready() -> bool:
    """What the non-blocking calls wait for: /ping answered, and every call started."""
    return pinged.is_set() and all_started.is_set()


def wait_in_this_thread() -> None:
    deadline = time.monotonic() + PATIENCE
    while not ready() and time.monotonic() < deadline:
        time.sleep(0.005)  # blocks this thread only


four_ways = FastAPI()


@four_ways.get("/blocking")
async def blocking() -> dict[str, str]:
    with span():
        time.sleep(DELAY)  # blocks the event loop: nothing else runs meanwhile
    return {"waited": "blocking"}


@four_ways.get("/awaiting")
async def awaiting() -> dict[str, str]:
    with span():
        deadline = time.monotonic() + PATIENCE
        while not ready() and time.monotonic() < deadline:
            await asyncio.sleep(0.005)  # gives the loop back while waiting
    return {"waited": "awaiting"}


@four_ways.get("/sync")
def sync_endpoint() -> dict[str, str]:
    with span():
        wait_in_this_thread()  # blocks a worker thread, not the loop
    return {"waited": "sync"}


@four_ways.get("/threadpool")
async def threadpool() -> dict[str, str]:
    with span():
        await run_in_threadpool(wait_in_this_thread)  # the same, done by hand
    return {"waited": "threadpool"}


@four_ways.get("/ping")
async def ping() -> dict[str, bool]:
    ping_times.append(time.perf_counter())
    pinged.set()
    return {"pong": True}


lab = serve(four_ways, name="four-ways")
print("the lab app is being served in a thread:", lab.running)

# %% [markdown]
# The client fires `CALLS` requests at one endpoint at once and, as soon as the first of them is
# running, sends one `/ping`. The server notes when each slow call ran and when `/ping` was
# answered. From that, two questions with yes/no answers:
#
# - **Did the slow calls overlap?** Were two or more of them running at the same moment?
# - **Did `/ping` stall?** Was it answered only after a slow call had finished, although it
#   arrived while the first one was running?
#
# (Raw timings change on every run, so the notebook prints conclusions, not seconds.)


# %%
# erratum 14: blocking in async def stalls everyone; await, def and run_in_threadpool overlap
def most_at_once(intervals: list[tuple[float, float]]) -> int:
    """The largest number of intervals that were running at the same moment."""
    events = sorted([(begin, 1) for begin, _ in intervals] + [(end, -1) for _, end in intervals])
    running = peak = 0
    for _, change in events:
        running += change
        peak = max(peak, running)
    return peak


async def burst(path: str) -> tuple[bool, bool, float]:
    """Fire CALLS requests at `path`; return (overlapped, /ping stalled, seconds first-to-last)."""
    async with httpx2.AsyncClient(base_url=lab.url, timeout=60) as client:
        await client.get("/ping")  # open a connection first: time the server, not the set-up
        for record in (started, spans, ping_times):
            record.clear()
        pinged.clear()
        all_started.clear()
        calls_started = time.perf_counter()
        slow = [asyncio.create_task(client.get(path)) for _ in range(CALLS)]
        while not started:  # wait until the server has begun the first slow call...
            await asyncio.sleep(0.005)
        await client.get("/ping")  # ...so /ping arrives while it runs
        await asyncio.gather(*slow)
    assert len(spans) == CALLS
    assert len(ping_times) == 1
    overlapped = most_at_once(spans) > 1
    ping_stalled = ping_times[0] > min(end for _, end in spans)
    return overlapped, ping_stalled, max(end for _, end in spans) - calls_started


results = {path: await burst(path) for path in ("/blocking", "/awaiting", "/sync", "/threadpool")}
lab.stop()

print(f"{'endpoint':<12} {'calls overlap':<15} /ping stalled")
for path, (overlapped, ping_stalled, _) in results.items():
    print(f"{path:<12} {overlapped!s:<15} {ping_stalled}")

assert results["/blocking"][:2] == (False, True)  # one at a time, and /ping waited
assert results["/blocking"][2] >= CALLS * DELAY  # so five calls took five times as long
for path in ("/awaiting", "/sync", "/threadpool"):
    assert results[path][:2] == (True, False), path
print("\nblocking stalls others:", results["/blocking"][1])

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
# ## 5. The thread pool has 40 threads, and everything synchronous shares it
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
# and no other call holds a thread; then the cell notes its size and lets it go.
#
# The second app raises the limit in its `lifespan`, the place for start-up work that must run on
# the server's loop. Both apps keep their limiter on `app.state`, so the cell can read it.

# %%
# erratum 15: 100 def calls run in waves of 40; raising the limit in lifespan removes the waves
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

REQUESTS = 100
PATIENCE = 30.0  # the longest anything here waits for an event (a safety net, never reached)


class Waves:
    """Holds each call in the current wave until the cell lets that wave go; counts each wave."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sizes = [0]
        self.gates = [threading.Event()]

    def enter(self) -> threading.Event:
        with self.lock:
            self.sizes[-1] += 1
            return self.gates[-1]

    def let_go(self) -> None:
        with self.lock:  # calls that enter from now on belong to the next wave
            self.gates[-1].set()
            self.sizes.append(0)
            self.gates.append(threading.Event())


def limiter_lifespan(tokens: int | None):
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        limiter = anyio.to_thread.current_default_thread_limiter()  # this server loop's
        if tokens is not None:
            limiter.total_tokens = tokens
        app.state.limiter = limiter
        yield

    return lifespan


def pool_app(waves: Waves, tokens: int | None = None) -> FastAPI:
    app = FastAPI(lifespan=limiter_lifespan(tokens))

    # No response model: one thread per call, for the endpoint only.
    @app.get("/work", response_model=None)
    def work() -> dict[str, bool]:
        assert waves.enter().wait(PATIENCE), "the cell never let this wave go"
        return {"done": True}

    return app


async def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        await asyncio.sleep(0.01)


async def hundred_calls(tokens: int | None) -> list[int]:
    waves = Waves()
    server = serve(pool_app(waves, tokens), name="pool")
    limiter = server.app.state.limiter
    limits = httpx2.Limits(max_connections=REQUESTS)
    async with httpx2.AsyncClient(base_url=server.url, timeout=60, limits=limits) as client:
        calls = asyncio.gather(*(client.get("/work") for _ in range(REQUESTS)))
        let_go = 0
        while let_go < REQUESTS:

            def wave_complete(left: int = REQUESTS - let_go) -> bool:
                stats, inside = limiter.statistics(), waves.sizes[-1]
                return (
                    inside + stats.tasks_waiting == left  # every call is in, or waits
                    and stats.borrowed_tokens == inside  # the last wave gave its threads back
                    and (stats.tasks_waiting == 0 or inside == limiter.total_tokens)
                )

            await until(wave_complete, f"wave {len(waves.sizes)} complete")
            let_go += waves.sizes[-1]
            waves.let_go()
        responses = await calls
    server.stop()
    assert all(r.status_code == 200 for r in responses)
    return waves.sizes[:-1]


default_waves = await hundred_calls(tokens=None)
raised_waves = await hundred_calls(tokens=REQUESTS)
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
# erratum 15: sync dependencies, run_in_threadpool and sync tasks wait for the same 40 threads
from typing import Annotated

from fastapi import BackgroundTasks, Depends

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


def sync_dependency() -> str:
    ran_after_let_go["/async-with-sync-dependency"] = let_go.is_set()
    return "built on a worker thread"


def count_in_a_thread(text: str) -> int:
    ran_after_let_go["/async-with-threadpool"] = let_go.is_set()
    return len(text)


def sync_task() -> None:
    ran_after_let_go["sync background task"] = let_go.is_set()


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
# ## 6. CPU-bound work: threads take turns
#
# Threads help with *waiting*. They do not help with *computing*: in CPython, only the thread that
# holds the Global Interpreter Lock (GIL) runs Python code. Four CPU-bound `def` calls sent at once
# do run on four threads at the same time, but they take turns on the GIL, so together they never
# use more than one CPU core, however many the machine has.
#
# The app below measures exactly that, on the server side: each call records when it ran (wall
# clock) and how much CPU time its own thread used (`time.thread_time()`). Total CPU time divided
# by the wall-clock time of the whole burst is the number of cores the four threads kept busy.


# %%
# erratum 15: CPU-bound work is not helped by threads (GIL): 4 def calls use at most one core
def count_up(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


cpu_app = FastAPI()
cpu_calls: list[tuple[float, float, float]] = []  # (start, end, CPU seconds of its thread)
# The four calls start computing together, once all four have their thread.
all_four = threading.Barrier(4, timeout=PATIENCE)


@cpu_app.get("/compute")
def compute() -> dict[str, bool]:
    all_four.wait()
    begin, cpu_begin = time.perf_counter(), time.thread_time()
    count_up(2_000_000)
    cpu_calls.append((begin, time.perf_counter(), time.thread_time() - cpu_begin))
    return {"done": True}


cpu_server = serve(cpu_app, name="cpu")
async with httpx2.AsyncClient(base_url=cpu_server.url, timeout=60) as client:
    await asyncio.gather(*(client.get("/compute") for _ in range(4)))
cpu_server.stop()

ran_together = most_at_once([(begin, end) for begin, end, _ in cpu_calls])
wall = max(end for _, end, _ in cpu_calls) - min(begin for begin, _, _ in cpu_calls)
cores_used = sum(cpu for *_, cpu in cpu_calls) / wall
assert ran_together >= 2  # the threads really were running at the same time...
assert cores_used < 1.2  # ...yet together they kept at most one core busy
print("4 CPU-bound def calls ran on several threads at once:", ran_together >= 2)
print("together they used more than one CPU core:", cores_used >= 1.2)

# %% [markdown]
# What actually helps with CPU-bound work:
#
# - **A process pool.** Separate processes have separate GILs. From an `async def` endpoint:
#   `await loop.run_in_executor(process_pool, fn, *args)` with a
#   `concurrent.futures.ProcessPoolExecutor` created in `lifespan`, or
#   `await anyio.to_process.run_sync(fn, *args)`. Arguments and results are pickled, so keep them
#   small.
# - **A worker queue.** Celery, RQ, Arq or Dramatiq run the work in separate worker processes,
#   possibly on other machines, and survive restarts. The web request only enqueues a job (and
#   answers 202); notebook 06 shows when to graduate to one.
# - **More server processes.** `uvicorn --workers 4` (or several containers) lets 4 requests
#   compute at once, at the price of 4 copies of the app in memory.
# - **Native code that releases the GIL.** NumPy, `hashlib` on large inputs and many C extensions
#   release it while they compute; then threads *do* run in parallel.
#
# (Python 3.13 has an experimental free-threaded build without the GIL. If this notebook ever runs
# on it, the assertion above fails, which is the point: the claim must be checked, not assumed.)
#
# > **Interview probe.** "An endpoint resizes images with Pillow in a `def` function. Under load,
# > the whole API slows down. Would `async def` fix it?" No: it would make it worse (the loop
# > itself would compute). Move the work to a process pool or a job queue, return 202 with a job
# > id, and let the client poll. Mention the 40-thread pool: slow `def` calls also starve every
# > other synchronous dependency.

# %% [markdown]
# ## Build step: DocChat's `POST /chat/ask`
#
# This stage adds DocChat's question endpoint and the LLM client it awaits. `ask` is `async def`
# because its slow part, the call to a language model, is network I/O that can be awaited. Its
# other part, finding the best passages, uses the *synchronous* SQLAlchemy session, so it goes to
# a thread instead of blocking the loop: with `db_read`, DocChat's `run_in_threadpool` for
# database work, which runs it on the database's own thread (`docs/app.md` says why).

# %%
from docchat_lab.notebook import source

source("docchat.api.routes.chat", "ask")

# %% [markdown]
# The LLM client is a `Protocol`: anything with an async `answer(question, passages)` and
# `aclose()` fits. Without an API key, DocChat uses `OfflineAnswerer`, which quotes the best
# sentence of each passage and cites it, with no network at all. With a key, it uses
# `OpenAIChatClient`, which speaks the OpenAI-compatible chat completions API (OpenAI itself, or
# Ollama, vLLM and others through the base URL) over `httpx2.AsyncClient`, and turns upstream
# failures into 502 and timeouts into 504.

# %%
source("docchat.services.llm", "LLMClient")

# %%
source("docchat.services.llm", "OfflineAnswerer")

# %%
source("docchat.services.llm", "OpenAIChatClient")

# %% [markdown]
# Check it with TestClient: upload a document, ask a question, get an answer that cites its
# sources. (TestClient runs background tasks before it returns, so the document is already
# processed when the question is asked; notebook 06 looks at that closely.)

# %%
from fastapi.testclient import TestClient

from docchat.core.config import Settings
from docchat.main import create_app

docchat = create_app(Settings(database_url="sqlite://"))
with TestClient(docchat) as client:
    created = client.post(
        "/documents/",
        json={
            "title": "Async notes",
            "content": (
                "A blocking call inside an async endpoint stalls the event loop. "
                "Plain def endpoints run on a pool of forty worker threads.\n\n"
                "Processes, not threads, speed up CPU-bound work."
            ),
        },
    )
    assert created.status_code == 202
    reply = client.post("/chat/ask", json={"question": "How many worker threads are there?"})

assert reply.status_code == 200
body = reply.json()
assert body["sources"]
assert body["sources"][0]["title"] == "Async notes"
assert "[1]" in body["answer"]
print(body["answer"])
print("cited:", [(s["n"], s["title"]) for s in body["sources"]])

# %% [markdown]
# The seam for the real client is `dependency_overrides[get_llm]`. Below, an `OpenAIChatClient`
# talks to a fake upstream (`httpx2.MockTransport`), so no key and no network are needed: the
# request has the right shape, a good reply becomes the answer, a failing upstream becomes 502 and
# a slow one 504, each with a message the client can show.

# %%
import json

from docchat.api.deps import get_llm
from docchat.services.llm import OpenAIChatClient

upstream = {"mode": "ok"}
seen_requests: list[httpx2.Request] = []


def fake_upstream(request: httpx2.Request) -> httpx2.Response:
    seen_requests.append(request)
    if upstream["mode"] == "down":
        return httpx2.Response(500, json={"error": "overloaded"})
    if upstream["mode"] == "slow":
        raise httpx2.ReadTimeout("no answer", request=request)
    reply = {"choices": [{"message": {"content": "Forty threads [1]."}}]}
    return httpx2.Response(200, json=reply)


keyed = Settings(database_url="sqlite://", openai_api_key="sk-test-not-a-real-key")
llm_client = OpenAIChatClient(keyed, transport=httpx2.MockTransport(fake_upstream))
docchat = create_app(Settings(database_url="sqlite://"))
docchat.dependency_overrides[get_llm] = lambda: llm_client
statuses = {}
with TestClient(docchat) as client:
    client.post("/documents/", json={"title": "Pool", "content": "The pool has forty threads."})
    for mode in ("ok", "down", "slow"):
        upstream["mode"] = mode
        response = client.post("/chat/ask", json={"question": "How many threads?"})
        statuses[mode] = (response.status_code, response.json().get("detail"))
await llm_client.aclose()

sent = seen_requests[0]
payload = json.loads(sent.content)
assert sent.url.path.endswith("/chat/completions")
assert sent.headers["authorization"] == "Bearer sk-test-not-a-real-key"
assert payload["messages"][1]["content"].startswith("Passages:\n[1] The pool has forty threads.")
assert statuses["ok"] == (200, None)
assert statuses["down"] == (502, "the language model answered HTTP 500")
assert statuses["slow"] == (504, "the language model did not answer in time")
for mode, (code, detail) in statuses.items():
    print(f"upstream {mode:<5} -> {code}", detail or "(the answer)")

# %% [markdown]
# ## Your turn
#
# Open **`exercises/ex04_async.py`** in JupyterLab (double-click it in the file browser on
# the left). Write three endpoints that wait without blocking anyone:
#
# - `GET /summary?text=...` calls the blocking `legacy_summarize`;
# - `GET /summaries?text=...&text=...` summarises several texts side by side;
# - `GET /compare?a=...&b=...` awaits two `llm_complete` calls together.
#
# The checks swap in slow versions of both functions and time your endpoints from outside, with
# a `/ping` sent alongside: if anything blocks the event loop, the ping waits and the check says
# so.
#
# Run the next cell after each change. It runs the checks in a fresh process, so you never need
# to restart the kernel, and tells you for each check what was called, what came back, what was
# expected, and a hint. Until you start, every check says "not done yet".
#
# Or keep a terminal open beside the file (File → New → Terminal): `docchat-lab watch ex04`
# checks again each time you save. `docchat-lab progress` shows which exercises pass so far,
# and `docchat-lab reset ex04` starts over (every earlier version is kept).
#
# <!-- exercise: ex04_async -->

# %%
from docchat_lab.learner_check import check

check("ex04")

# %% [markdown]
# ## Recap
#
# - The kernel runs an event loop, so `asyncio.run()` and `uvicorn.run()` refuse to start in a
#   cell. `nest_asyncio2` makes `asyncio.run()` re-entrant (globally, until restart); never use the
#   original `nest_asyncio`. The kit serves apps in a thread on their own loop, because a server on
#   the kernel's loop deadlocks on the first synchronous call.
# - A blocking call inside `async def` stalls every request, even `/ping`. `await`, a plain `def`
#   endpoint, or `run_in_threadpool` keep the server responsive.
# - `def` endpoints, sync dependencies, sync background tasks and `run_in_threadpool` share one
#   pool of 40 threads per loop: request 41 waits. Raise the limit in `lifespan` when the threads
#   mostly wait.
# - Threads do not speed up CPU-bound Python (the GIL): use a process pool, a job queue, or more
#   server processes.
# - DocChat's `ask` is `async`, awaits its LLM client, and sends its synchronous database lookup
#   to the thread pool.
