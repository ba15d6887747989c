"""Notebook 04's machinery: who ran when, as seen by the server, and the GIL's turns.

Everything here records events or order; nothing decides by a number of seconds.
"""

import asyncio
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx2 as httpx

SPIN_COUNT = 50_000  # what the other thread counts to, when it gets to run
PATIENCE = 30.0  # the longest anything waits for an event (a safety net, never reached)


def most_at_once(intervals: list[tuple[float, float]]) -> int:
    """The largest number of intervals that were running at the same moment."""
    events = sorted([(begin, 1) for begin, _ in intervals] + [(end, -1) for _, end in intervals])
    running = peak = 0
    for _, change in events:
        running += change
        peak = max(peak, running)
    return peak


@dataclass
class Spans:
    """When each slow call ran and when /ping was answered; `ready()` once /ping is in and all
    `calls` have started (what the polite endpoints wait for, instead of a number of seconds)."""

    calls: int
    started: list[float] = field(default_factory=list)
    spans: list[tuple[float, float]] = field(default_factory=list)
    pings: list[float] = field(default_factory=list)
    _pinged: threading.Event = field(default_factory=threading.Event)

    @contextmanager
    def span(self) -> Iterator[None]:
        begin = time.perf_counter()
        self.started.append(begin)
        yield
        self.spans.append((begin, time.perf_counter()))

    def ping(self) -> None:
        self.pings.append(time.perf_counter())
        self._pinged.set()

    def ready(self) -> bool:
        return self._pinged.is_set() and len(self.started) >= self.calls

    def wait_in_this_thread(self) -> None:
        deadline = time.monotonic() + PATIENCE
        while not self.ready() and time.monotonic() < deadline:
            time.sleep(0.005)  # blocks this thread only

    async def wait_awaiting(self) -> None:
        deadline = time.monotonic() + PATIENCE
        while not self.ready() and time.monotonic() < deadline:  # noqa: ASYNC110
            # The condition is set from other threads: an asyncio.Event cannot be.
            await asyncio.sleep(0.005)  # gives the loop back while waiting

    def clear(self) -> None:
        self.started.clear()
        self.spans.clear()
        self.pings.clear()
        self._pinged.clear()


async def burst(base_url: str, path: str, spans: Spans) -> tuple[bool, bool, float]:
    """`spans.calls` requests to `path` at once, and one /ping as soon as the first has begun.

    Returns (the calls overlapped, /ping waited for a call to end, seconds first to last).
    """
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        await client.get("/ping")  # open a connection first: time the server, not the set-up
        spans.clear()
        begun = time.perf_counter()
        slow = [asyncio.create_task(client.get(path)) for _ in range(spans.calls)]
        while not spans.started:  # noqa: ASYNC110 - until the server has begun the first slow call...
            await asyncio.sleep(0.005)
        await client.get("/ping")  # ...so /ping arrives while it runs
        await asyncio.gather(*slow)
    assert len(spans.spans) == spans.calls
    assert len(spans.pings) == 1
    overlapped = most_at_once(spans.spans) > 1
    ping_stalled = spans.pings[0] > min(end for _, end in spans.spans)
    return overlapped, ping_stalled, max(end for _, end in spans.spans) - begun


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for `condition`, checking every 10 ms; fail after PATIENCE seconds."""
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        await asyncio.sleep(0.01)


def count_up(n: int) -> int:
    """Pure Python, CPU-bound: holds the GIL the whole time it runs."""
    total = 0
    for i in range(n):
        total += i
    return total


@contextmanager
def switch_interval(seconds: float) -> Iterator[None]:
    """How long a thread may keep the GIL when another one asks for it (default 5 ms)."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def progress_of_a_spinning_thread(work: Callable[[], object], interval: float | None) -> int:
    """How far another pure-Python thread counted while this thread ran `work()`.

    With `interval` (seconds), this thread keeps the GIL that long before it must hand it over.
    The other thread starts spinning only once the interval is in force: a thread that began to
    wait for the GIL under the old interval would claim its turn after the old 5 ms.
    """
    counter, parked, go, stop = [0], threading.Event(), threading.Event(), threading.Event()

    def spin() -> None:
        parked.set()
        go.wait()  # blocked outside the GIL until this thread lets it go
        while counter[0] < SPIN_COUNT:  # then it rests outside the GIL: no one waits for it
            counter[0] += 1
        stop.wait(PATIENCE)

    other = threading.Thread(target=spin, daemon=True)
    other.start()
    assert parked.wait(PATIENCE)
    try:
        with switch_interval(interval) if interval else _nothing():
            before = counter[0]
            go.set()
            work()
            made = counter[0] - before
    finally:
        stop.set()
        other.join(PATIENCE)
    return made


@contextmanager
def _nothing() -> Iterator[None]:
    yield
