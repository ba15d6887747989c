"""Stage 04's stand-ins: our language model, a hold on the search query, a fake upstream.

Nothing here decides a pass: each piece records what happened, in order, for the judge.
"""

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Sequence
from types import ModuleType, SimpleNamespace
from typing import Any

import httpx2 as httpx
from pydantic import SecretStr
from sqlalchemy import Engine, event

HOLD_S = 3.0  # the longest a held search waits for the ping (a safety net: a ping takes ms)


def _on_the_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class Hold:
    """Holds the next search query, once armed, until a ping arrives; counts connections out."""

    def __init__(self, engine: Engine) -> None:
        self.events: list[str] = []
        self.connections_out = 0
        self._armed = False
        self._held, self._release = threading.Event(), threading.Event()
        self._lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._before_query)
        event.listen(engine, "checkout", lambda *_: self._count(1))
        event.listen(engine, "checkin", lambda *_: self._count(-1))

    def _count(self, change: int) -> None:
        with self._lock:
            self.connections_out += change

    def arm(self) -> None:
        self.events.clear()
        self._held.clear()
        self._release.clear()
        self._armed = True

    def _before_query(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not self._armed or "chunk" not in statement.lower():
            return
        self._armed = False
        where = "the event loop's thread" if _on_the_event_loop() else "a worker thread"
        self.events.append(f"search held on {where}")
        self._held.set()
        released = self._release.wait(HOLD_S)
        self.events.append("search released by the ping" if released else "search hold timed out")

    async def release_when_held(self) -> bool:
        # Waits on a thread of its own: the event loop stays free, if nothing else blocks it.
        held = await asyncio.to_thread(self._held.wait, HOLD_S)
        if held:
            self._release.set()
            self.events.append("ping answered")
        return held


class KitAnswerer:
    """Our language model: the run's salt, then the chunk ids it was given, numbered from 1."""

    def __init__(self, salt: str, hold: Hold) -> None:
        self.salt, self.hold = salt, hold
        self.calls: list[dict[str, Any]] = []

    async def answer(self, question: str, passages: Sequence[Any]) -> str:
        chunk_ids = [passage.chunk_id for passage in passages]
        out = self.hold.connections_out
        self.calls.append({"question": question, "chunk_ids": chunk_ids, "connections_out": out})
        cited = " ".join(f"[{n}] chunk {chunk}" for n, chunk in enumerate(chunk_ids, start=1))
        return f"{self.salt}: {cited}"

    async def aclose(self) -> None:
        return None


class _Trickle(httpx.AsyncByteStream):
    """A reply that starts at once, then sends one byte every `interval` seconds, for ever."""

    def __init__(self, interval: float, events: list[str]) -> None:
        self.interval, self.events = interval, events

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"choices": '
        try:
            while True:
                await asyncio.sleep(self.interval)
                yield b" "
        except asyncio.CancelledError:
            self.events.append("upstream cancelled")
            raise


def _upstream(mode: str, upstream: dict[str, Any], seen: list[dict[str, Any]], events: list[str]):  # type: ignore[no-untyped-def]
    async def handler(request: httpx.Request) -> httpx.Response:
        try:
            body = json.loads(request.content)
        except ValueError:
            body = request.content.decode("utf-8", "replace")[:500]
        headers = {"authorization": request.headers.get("authorization")}
        seen.append({"method": request.method, "url": str(request.url), **headers, "json": body})
        if mode == "ok":
            message = {"role": "assistant", "content": f"  {upstream['reply']}\n"}
            return httpx.Response(200, json={"choices": [{"index": 0, "message": message}]})
        if mode == "status":  # a careless upstream that echoes the key it was sent
            echo = {"error": {"message": f"refused {request.headers.get('authorization')}"}}
            return httpx.Response(upstream["status"], json=echo)
        if mode == "trickle":
            interval = upstream["timeout_s"] / 4
            return httpx.Response(200, stream=_Trickle(interval, events))
        try:  # silent: never a byte
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            events.append("upstream cancelled")
            raise
        raise AssertionError("unreachable")

    return handler


async def answer_with_upstream(
    llm: ModuleType, hit: type, upstream: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    """The learner's OpenAIChatClient.answer against an upstream in `body["mode"]`."""
    seen: list[dict[str, Any]] = []
    events: list[str] = []
    settings = SimpleNamespace(
        openai_api_key=SecretStr(upstream["api_key"]),
        openai_base_url=upstream["base_url"],
        llm_model=upstream["model"],
        llm_timeout_s=upstream["timeout_s"],
    )
    passages = [hit(**passage) for passage in body["passages"]]
    transport = httpx.MockTransport(_upstream(body["mode"], upstream, seen, events))
    client = llm.OpenAIChatClient(settings, transport=transport)
    limit = 2 * upstream["timeout_s"] + 1.5  # ours: the kit stops waiting here
    result: dict[str, Any]
    try:
        async with asyncio.timeout(limit) as ours:
            value = await client.answer(body["question"], passages)
        result = {"outcome": "answer", "type": type(value).__name__, "value": str(value)[:2000]}
    except TimeoutError as exc:  # ours, or the learner's own that escaped
        hung = {"outcome": "hung", "after_s": limit}
        result = hung if ours.expired() else _raised(llm, exc)
    except Exception as exc:  # the learner's error, reported as data
        result = _raised(llm, exc)
    finally:
        await client.aclose()
    return {**result, "requests": seen, "events": events}


def _raised(llm: ModuleType, exc: BaseException) -> dict[str, Any]:
    return {
        "outcome": "error",
        "type": type(exc).__name__,
        "message": str(exc)[:500],
        "llm_error": isinstance(exc, llm.LLMError),
        "timeout_error": isinstance(exc, llm.LLMTimeoutError),
        "status_code": getattr(exc, "status_code", None),
    }
