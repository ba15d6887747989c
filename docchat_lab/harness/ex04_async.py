"""Hosts exercise 4: the learner's app, with our slow SDK and our slow LLM client swapped in.

Our `legacy_summarize` really blocks its thread (`time.sleep`) and our `llm_complete` really
waits (`asyncio.sleep`), for the run's delays, and both answer with the run's salt: an endpoint
cannot produce the right text without them, nor make them faster. (It could read the salt and
the delay out of them, in its own process, and wait on the loop instead: the README's threat
table counts that among the probes a learner's process can forge.) The judge times the
requests from outside; nothing measured here decides a pass.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

from fastapi import FastAPI

from docchat_lab.harness.support import warm_fastapi

REQUIRED = ("legacy_summarize", "llm_complete", "summary", "summaries", "compare", "create_app")


def warm_up() -> None:
    warm_fastapi()


def _slow_sdk(delay: float, salt: str) -> Callable[[str], str]:
    def legacy_summarize(text: str) -> str:
        time.sleep(delay)
        words = text.split()
        return f"{salt}: {' '.join(words[:4])} ({len(words)} words)"

    return legacy_summarize


def _slow_llm(delay: float, salt: str) -> Callable[[str], Awaitable[str]]:
    async def llm_complete(prompt: str) -> str:
        await asyncio.sleep(delay)
        return f"[{salt}] an answer to: {prompt}"

    return llm_complete


def _main(module: ModuleType, params: dict[str, Any]) -> FastAPI:
    module.legacy_summarize = _slow_sdk(params["sdk_delay"], params["salt"])  # type: ignore[attr-defined]
    module.llm_complete = _slow_llm(params["llm_delay"], params["salt"])  # type: ignore[attr-defined]
    app = module.create_app()
    if not isinstance(app, FastAPI):
        raise TypeError(f"create_app() returned {type(app).__name__}, not a FastAPI app")
    return app


def apps(module: ModuleType, params: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    return {"main": lambda: _main(module, params)}


PROBES: dict[str, Callable[..., Any]] = {}
