"""The database's own threads: every request's database work runs here, in one hop.

Why not FastAPI's threadpool: a request whose session stays open across two hops (the
endpoint, then the response model's validation) holds a pooled connection while it waits
for a thread, and the threads wait for connections: with enough clients, a deadlock until
the pool times out (bench/RESULTS.md). Here a unit of work checks its connection out and
returns it in the same hop, so no connection ever waits for a thread; the pool holds a
connection for every thread that can use one (core/capacity.py), so no thread ever waits
for a connection. A few threads that take turns also cost far less than forty that fight
over the GIL, and finished results go back to the event loop in batches.

Writes get their own thread: a write that waits for the lock must not hold up the reads.
"""

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec, TypeVar

import anyio
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from docchat.core.busy import REQUEST_BACKOFF, retry_while_busy

P = ParamSpec("P")
T = TypeVar("T")
_BATCH = 16  # results handed back to the event loop at once, at most
_BATCH_S = 0.002  # ... or as soon as the oldest has waited this long


@dataclass(slots=True)
class _Job:
    loop: asyncio.AbstractEventLoop
    future: "asyncio.Future[Any]"
    work: Callable[[], Any]
    outcome: tuple[bool, Any] = (False, None)


def _settle(jobs: list[_Job]) -> None:
    for job in jobs:
        if job.future.done():
            continue
        ok, value = job.outcome
        if ok:
            job.future.set_result(value)
        else:
            job.future.set_exception(value)


@dataclass
class DatabaseExecutor:
    """`threads` threads that run submitted work in order, started on first use."""

    name: str
    threads: int
    _jobs: deque[_Job] = field(default_factory=deque)
    _ready: threading.Condition = field(default_factory=threading.Condition)
    _workers: list[threading.Thread] = field(default_factory=list)
    _closing: bool = False

    async def run(self, work: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        job = _Job(loop, loop.create_future(), work)
        with self._ready:
            if not self._workers:
                self._start()
            self._jobs.append(job)
            self._ready.notify()
        try:
            result: T = await asyncio.shield(job.future)
        except asyncio.CancelledError:
            # A cancelled request still waits for its work, as anyio waits for a thread: the
            # work may be using the request's session, which must not be closed under it.
            with anyio.CancelScope(shield=True):
                await _finished(job.future)
            raise
        return result

    def _start(self) -> None:
        for n in range(self.threads):
            worker = threading.Thread(target=self._work, name=f"{self.name}-{n}", daemon=True)
            worker.start()
            self._workers.append(worker)

    def _work(self) -> None:
        done: list[_Job] = []
        oldest = 0.0
        while True:
            with self._ready:
                while not self._jobs and not self._closing:
                    if done:  # nothing else to do: hand back what is finished first
                        break
                    self._ready.wait()
                job = self._jobs.popleft() if self._jobs else None
                more = bool(self._jobs)
            if job is not None:
                try:
                    job.outcome = (True, job.work())
                except BaseException as exc:  # handed to the awaiting request
                    job.outcome = (False, exc)
                if not done:
                    oldest = time.monotonic()
                done.append(job)
            if done and (not more or len(done) >= _BATCH or time.monotonic() - oldest > _BATCH_S):
                _hand_back(done)
                done = []
            elif job is None and self._closing:
                return

    def shutdown(self, timeout: float = 10.0) -> None:
        """Finish the queued work and stop the threads; the next `run` starts them again."""
        with self._ready:
            self._closing = True
            self._ready.notify_all()
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.join(timeout)
        with self._ready:
            self._closing = False


async def _finished(future: "asyncio.Future[Any]") -> None:
    while not future.done():
        try:
            await asyncio.wait([future])
        except asyncio.CancelledError:
            continue


def _hand_back(done: list[_Job]) -> None:
    by_loop: dict[asyncio.AbstractEventLoop, list[_Job]] = {}
    for job in done:
        by_loop.setdefault(job.loop, []).append(job)
    for loop, jobs in by_loop.items():
        if not loop.is_closed():
            loop.call_soon_threadsafe(_settle, jobs)


@dataclass(frozen=True)
class DatabaseExecutors:
    reads: DatabaseExecutor
    writes: DatabaseExecutor

    def shutdown(self) -> None:
        self.reads.shutdown()
        self.writes.shutdown()


# Sessions made by create_app's session factory carry the app's executors here.
EXECUTORS = "docchat.executors"


async def db_read(
    work: Callable[Concatenate[Session, P], T], session: Session, *args: P.args, **kwargs: P.kwargs
) -> T:
    """`work(session, *args)` on a database thread; the connection is back when it returns."""
    return await _run(work, session, False, *args, **kwargs)


async def db_write(
    work: Callable[Concatenate[Session, P], T], session: Session, *args: P.args, **kwargs: P.kwargs
) -> T:
    """The same as `db_read`, on the thread for writes. `work` commits what it keeps."""
    return await _run(work, session, True, *args, **kwargs)


async def _run(
    work: Callable[..., T], session: Session, writes: bool, *args: Any, **kwargs: Any
) -> T:
    def attempt() -> T:
        try:
            return work(session, *args, **kwargs)
        finally:
            session.close()  # the connection goes back in this same hop

    def unit() -> T:
        # A busy database is waited for here, not turned into an error at once.
        try:
            return retry_while_busy(attempt, REQUEST_BACKOFF)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            # The pool dropped a dead connection (its file was replaced, say): once more,
            # on a new one.
            return retry_while_busy(attempt, REQUEST_BACKOFF)

    executors: DatabaseExecutors | None = session.info.get(EXECUTORS)
    if executors is None:  # a session from elsewhere (a test's override): the threadpool
        return await run_in_threadpool(unit)
    return await (executors.writes if writes else executors.reads).run(unit)
