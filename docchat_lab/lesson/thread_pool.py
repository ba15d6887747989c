"""Notebook 04's thread-pool machinery: calls held in waves, and the pool's own statistics.

Each wave is let go by the notebook only once the pool reports it complete: events, not seconds.
"""

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
import httpx2 as httpx
from fastapi import FastAPI

from docchat_lab.lesson.waiting import PATIENCE, until
from docchat_lab.serving import serve


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


def limiter_lifespan(tokens: int | None) -> Callable[[FastAPI], Any]:
    """A lifespan that keeps the server loop's thread limiter on app.state (and sets its size)."""

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


async def calls_in_waves(requests: int, tokens: int | None) -> list[int]:
    """Send `requests` def calls at once; the size of each wave the pool let through."""
    waves = Waves()
    server = serve(pool_app(waves, tokens), name="pool")
    limiter = server.app.state.limiter
    limits = httpx.Limits(max_connections=requests)
    async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as client:
        calls = asyncio.gather(*(client.get("/work") for _ in range(requests)))
        let_go = 0
        while let_go < requests:

            def wave_complete(left: int = requests - let_go) -> bool:
                stats, inside = limiter.statistics(), waves.sizes[-1]
                return bool(
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
