# Generated from solutions/ by `docchat-lab exercises`: edit this copy freely.
"""Exercise 4 · Endpoints that never block the event loop.

DocChat talks to two kinds of slow services: an old, synchronous SDK (`legacy_summarize`, which
blocks the thread that calls it) and an async LLM client (`llm_complete`, which you await). An
`async def` endpoint runs on the event loop itself, so one blocking call there stalls every
other request, even a `/ping`. Write three endpoints that wait without blocking anyone:

- `GET /summary?text=...`: one summary from the blocking SDK;
- `GET /summaries?text=...&text=...`: several summaries in one request, side by side;
- `GET /compare?a=...&b=...`: two LLM answers, awaited together, not one after the other.

Keep calling `legacy_summarize` and `llm_complete` by these names: the checks swap in their own
versions (slow on purpose, with answers you cannot guess), then time your endpoints from
outside. Editing the two functions below changes nothing.

Background: notebooks/04_async_done_right.ipynb. Check your work: `check("ex04")` in the
notebook, or `docchat-lab check ex04` in a terminal.
"""

import asyncio
import time
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query
from fastapi.concurrency import run_in_threadpool

SDK_DELAY = 0.2  # seconds legacy_summarize blocks its thread
LLM_DELAY = 0.2  # seconds llm_complete waits on the network

router = APIRouter()


def legacy_summarize(text: str) -> str:
    """A synchronous SDK call: it blocks the calling thread until the answer is there."""
    time.sleep(SDK_DELAY)
    return " ".join(text.split()[:8])


async def llm_complete(prompt: str) -> str:
    """An async LLM client call: it waits on the network without blocking the event loop."""
    await asyncio.sleep(LLM_DELAY)
    return f"An answer to: {prompt}"


@router.get("/summary")
async def summary(text: str) -> dict[str, str]:
    """`{"summary": legacy_summarize(text)}`, without blocking the event loop.

    legacy_summarize blocks its thread for a while. Called straight from this `async def`, it
    would block the event loop, and every other request would wait. Hand the call to a worker
    thread (`await run_in_threadpool(fn, *args)`), or make this endpoint a plain `def`, which
    FastAPI runs in its thread pool for you.
    """
    # TODO: write summary() as its docstring describes.
    raise NotImplementedError("summary() is not written yet")


@router.get("/summaries")
async def summaries(text: Annotated[list[str], Query()]) -> dict[str, list[str]]:
    """`{"summaries": [legacy_summarize(t) for t in text]}`, in the order given, side by side.

    Each text gets its own worker thread, and the calls run at the same time: three texts take
    about as long as one. (A plain `def` endpoint does not do that by itself: inside one
    request, its calls still run one after another.)
    """
    # TODO: write summaries() as its docstring describes.
    raise NotImplementedError("summaries() is not written yet")


@router.get("/compare")
async def compare(a: str, b: str) -> dict[str, str]:
    """`{"a": await llm_complete(a), "b": await llm_complete(b)}`, both awaited at once.

    Awaiting one call and then the other takes twice as long as it must: start both, then wait
    for both (`asyncio.gather`, or an `asyncio.TaskGroup`).
    """
    # TODO: write compare() as its docstring describes.
    raise NotImplementedError("compare() is not written yet")


@router.get("/ping")
async def ping() -> dict[str, bool]:
    """Answers at once, unless something blocks the event loop."""
    return {"pong": True}


def create_app() -> FastAPI:
    """The app: every route of this file."""
    app = FastAPI(title="DocChat async lab")
    app.include_router(router)
    return app
