"""Answering a question from passages: an offline answerer, or an OpenAI-compatible API."""

import asyncio
import re
from collections.abc import Sequence
from typing import Any, Protocol

import httpx2

from docchat.core.config import Settings
from docchat.services.search_index import Hit, query_terms

NO_ANSWER = "I could not find anything about that in the documents."
_SENTENCE = re.compile(r"(?<=[.!?])\s+")

SYSTEM_PROMPT = (
    "You answer questions using only the numbered passages you are given. "
    "Cite the passages you use as [1], [2], ... If the passages do not contain the answer, "
    "say so plainly."
)


class LLMError(Exception):
    """The language model could not answer. The message is safe to show to a client."""

    status_code = 502


class LLMTimeoutError(LLMError):
    status_code = 504


class LLMClient(Protocol):
    async def answer(self, question: str, passages: Sequence[Hit]) -> str: ...

    async def aclose(self) -> None: ...


def _best_sentence(passage: str, terms: set[str]) -> str:
    sentences = [s for s in _SENTENCE.split(passage) if s.strip()] or [passage]
    return max(sentences, key=lambda s: len(terms & set(query_terms(s))))


class OfflineAnswerer:
    """Quotes the best sentence of each passage and cites it: no key, no network."""

    def __init__(self, max_quotes: int = 3) -> None:
        self.max_quotes = max_quotes

    async def answer(self, question: str, passages: Sequence[Hit]) -> str:
        if not passages:
            return NO_ANSWER
        terms = set(query_terms(question))
        lines = [
            f'[{n}] "{_best_sentence(hit.text, terms).strip()}" ({hit.title})'
            for n, hit in enumerate(passages[: self.max_quotes], start=1)
        ]
        return "From the documents:\n" + "\n".join(lines)

    async def aclose(self) -> None:
        return None


class OpenAIChatClient:
    """Chat completions over HTTP: OpenAI itself, or Ollama, vLLM, ... through the base URL."""

    def __init__(self, settings: Settings, transport: httpx2.AsyncBaseTransport | None = None):
        if settings.openai_api_key is None:
            raise ValueError("OpenAIChatClient needs openai_api_key")
        self.model = settings.llm_model
        self.timeout_s = settings.llm_timeout_s
        self._client = httpx2.AsyncClient(
            base_url=settings.openai_base_url.rstrip("/") + "/",
            headers={"Authorization": f"Bearer {settings.openai_api_key.get_secret_value()}"},
            timeout=settings.llm_timeout_s,
            transport=transport,
        )

    async def answer(self, question: str, passages: Sequence[Hit]) -> str:
        """POST the passages and the question to `chat/completions` on self._client.

        The JSON body: {"model": self.model, "messages": [...]} with two messages: a "system"
        one whose content is SYSTEM_PROMPT, and a "user" one whose content is
        "Passages:\\n[1] <text>\\n\\n[2] <text>\\n\\nQuestion: <question>" (the passages' texts,
        numbered from 1 as the answer cites them). No passages: NO_ANSWER, without a call.
        The whole call must end within self.timeout_s (asyncio.timeout), else LLMTimeoutError;
        any other HTTP failure or a status other than 200 is an LLMError whose message names
        what happened (never the reply's body: it may echo the key). The reply's text comes
        from _content_of(response).
        """
        ### BEGIN SOLUTION 04
        if not passages:
            return NO_ANSWER
        context = "\n\n".join(f"[{n}] {hit.text}" for n, hit in enumerate(passages, start=1))
        payload = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": f"Passages:\n{context}\n\nQuestion: {question}"},
            ],
        }
        try:
            # httpx's timeout bounds each read, not the whole reply: an upstream that trickles
            # its answer a byte at a time would never time out. The setting is the deadline.
            async with asyncio.timeout(self.timeout_s):
                response = await self._client.post("chat/completions", json=payload)
        except (httpx2.TimeoutException, TimeoutError):
            raise LLMTimeoutError("the language model did not answer in time") from None
        except httpx2.HTTPError as exc:
            raise LLMError(f"could not reach the language model ({type(exc).__name__})") from None
        if response.status_code != 200:
            raise LLMError(f"the language model answered HTTP {response.status_code}")
        return _content_of(response)
        ### END SOLUTION

    async def aclose(self) -> None:
        await self._client.aclose()


def _content_of(response: httpx2.Response) -> str:
    try:
        body: Any = response.json()
        content = body["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise LLMError("the language model sent a reply that is not a chat completion") from None
    if not isinstance(content, str) or not content.strip():
        raise LLMError("the language model sent an empty answer")
    return content.strip()


def build_llm_client(settings: Settings) -> LLMClient:
    if settings.openai_api_key is None:
        return OfflineAnswerer()
    return OpenAIChatClient(settings)
