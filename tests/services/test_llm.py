"""The LLM clients: the offline answerer, and the OpenAI-compatible client's error mapping."""

import socket
import traceback
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from docchat.core.config import Settings
from docchat.services.llm import (
    NO_ANSWER,
    SYSTEM_PROMPT,
    LLMError,
    LLMTimeoutError,
    OfflineAnswerer,
    OpenAIChatClient,
    build_llm_client,
)
from docchat.services.search_index import Hit
from tests.docchat_testkit import make_settings
from tests.fake_openai import API_KEY, FakeOpenAI, silent_server

pytestmark = pytest.mark.anyio

KETTLE = Hit(
    chunk_id=7,
    document_id=3,
    title="Kettle manual",
    position=0,
    text="Kettles boil water. Descale them monthly to remove limescale.",
    score=2.5,
)
TEAPOT = Hit(
    chunk_id=9,
    document_id=4,
    title="Teapot",
    position=1,
    text="A teapot brews tea. Warm the pot first.",
    score=1.0,
)


def _key_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"openai_api_key": API_KEY, "openai_base_url": "http://fake/v1"}
    return make_settings(**{**values, **overrides})


@pytest.fixture
async def fake() -> FakeOpenAI:
    return FakeOpenAI()


@pytest.fixture
async def llm(fake: FakeOpenAI) -> AsyncIterator[OpenAIChatClient]:
    transport = httpx2.ASGITransport(app=fake.app())
    client = OpenAIChatClient(_key_settings(llm_model="tiny-model"), transport=transport)
    yield client
    await client.aclose()


# --- OfflineAnswerer -----------------------------------------------------------------------------


async def test_offline_answer_quotes_best_sentence_and_cites_title() -> None:
    answer = await OfflineAnswerer().answer("How do I remove limescale?", [KETTLE, TEAPOT])

    assert answer.splitlines() == [
        "From the documents:",
        '[1] "Descale them monthly to remove limescale." (Kettle manual)',
        '[2] "A teapot brews tea." (Teapot)',
    ]


async def test_offline_answer_without_passages_says_nothing_was_found() -> None:
    assert await OfflineAnswerer().answer("anything?", []) == NO_ANSWER


async def test_offline_answer_quotes_at_most_max_quotes_passages() -> None:
    answer = await OfflineAnswerer(max_quotes=1).answer("tea", [KETTLE, TEAPOT])

    assert "[1]" in answer
    assert "[2]" not in answer


# --- OpenAIChatClient against a fake OpenAI-compatible server ------------------------------------


async def test_openai_client_sends_model_prompt_passages_and_bearer_key(
    llm: OpenAIChatClient, fake: FakeOpenAI
) -> None:
    answer = await llm.answer("How do I remove limescale?", [KETTLE, TEAPOT])

    assert answer == "Kettles boil water [1]."  # stripped
    [request] = fake.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["authorization"] == f"Bearer {API_KEY}"
    assert request["json"]["model"] == "tiny-model"
    system, user = request["json"]["messages"]
    assert system == {"role": "system", "content": SYSTEM_PROMPT}
    assert user["role"] == "user"
    assert f"[1] {KETTLE.text}" in user["content"]
    assert f"[2] {TEAPOT.text}" in user["content"]
    assert user["content"].endswith("Question: How do I remove limescale?")


async def test_openai_client_without_passages_does_not_call_the_server(
    llm: OpenAIChatClient, fake: FakeOpenAI
) -> None:
    assert await llm.answer("anything?", []) == NO_ANSWER
    assert fake.requests == []


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ("server-error", "the language model answered HTTP 500"),
        ("unauthorized-echo", "the language model answered HTTP 401"),
        ("not-json", "the language model sent a reply that is not a chat completion"),
        ("no-choices", "the language model sent a reply that is not a chat completion"),
        ("empty-answer", "the language model sent an empty answer"),
    ],
)
async def test_openai_client_upstream_failure_raises_502_error_without_key(
    llm: OpenAIChatClient, fake: FakeOpenAI, reply: str, message: str
) -> None:
    fake.reply = reply

    with pytest.raises(LLMError) as caught:
        await llm.answer("kettle?", [KETTLE])

    assert type(caught.value) is LLMError
    assert caught.value.status_code == 502
    assert str(caught.value) == message
    assert API_KEY not in "".join(traceback.format_exception(caught.value))


async def test_openai_client_unreachable_server_raises_502_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = OpenAIChatClient(_key_settings(openai_base_url=f"http://127.0.0.1:{port}/v1"))
    try:
        with pytest.raises(LLMError) as caught:
            await client.answer("kettle?", [KETTLE])
    finally:
        await client.aclose()

    assert type(caught.value) is LLMError
    assert str(caught.value) == "could not reach the language model (ConnectError)"


async def test_openai_client_slow_server_raises_504_timeout_error() -> None:
    with silent_server() as base_url:
        client = OpenAIChatClient(_key_settings(openai_base_url=base_url, llm_timeout_s=0.2))
        try:
            with pytest.raises(LLMTimeoutError) as caught:
                await client.answer("kettle?", [KETTLE])
        finally:
            await client.aclose()

    assert caught.value.status_code == 504
    assert str(caught.value) == "the language model did not answer in time"


def test_openai_client_requires_a_key() -> None:
    with pytest.raises(ValueError, match="openai_api_key"):
        OpenAIChatClient(make_settings(openai_api_key=None))


# --- build_llm_client ----------------------------------------------------------------------------


async def test_build_llm_client_without_key_is_offline() -> None:
    assert isinstance(build_llm_client(make_settings(openai_api_key=None)), OfflineAnswerer)


async def test_build_llm_client_with_key_is_openai_compatible() -> None:
    client = build_llm_client(_key_settings())
    try:
        assert isinstance(client, OpenAIChatClient)
    finally:
        await client.aclose()
