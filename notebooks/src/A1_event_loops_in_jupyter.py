# %% [markdown]
# # A1 · Event loops in Jupyter
#
# An appendix to notebook 04. A Jupyter kernel runs an event loop of its own, and that is why
# `asyncio.run()` and `uvicorn.run()` refuse to start in a cell, what `nest_asyncio2` changes
# (and what it does not), and why the kit serves every app in a thread, on a loop of its own.
# Nothing here is part of DocChat; read it when a notebook of your own refuses to run a server.
#
# **After this appendix you can:**
# - explain why `asyncio.run()` and `uvicorn.run()` fail inside a notebook;
# - say what `nest_asyncio2` changes, and why it is never the original `nest_asyncio`;
# - serve an app from a notebook without deadlocking the kernel.

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


# %%
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
# ## Recap
#
# - The kernel runs an event loop, so `asyncio.run()` and `uvicorn.run()` refuse to start in a
#   cell.
# - `nest_asyncio2` makes `asyncio.run()` re-entrant, for the whole kernel, until a restart; never
#   use the original `nest_asyncio`. It does not make `uvicorn.run()` usable.
# - A server on the kernel's loop deadlocks on the first synchronous call; the kit's
#   `serve(app, name=...)` runs it in a thread, on a loop of its own.
#
# ## Further reading
#
# - Python: [asyncio, the event loop](https://docs.python.org/3/library/asyncio-eventloop.html),
#   [asyncio.run](https://docs.python.org/3/library/asyncio-runner.html).
# - Uvicorn: [Settings and running programmatically](https://www.uvicorn.org/settings/).
# - [nest-asyncio2 on PyPI](https://pypi.org/project/nest-asyncio2/).
