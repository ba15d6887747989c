"""POST /chat/ask: retrieval, the offline answer, and the LLM's errors as 502/504."""

from collections.abc import Callable, Iterator
from typing import Any

import anyio
import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from docchat.api.deps import get_llm
from docchat.services.llm import NO_ANSWER, OpenAIChatClient
from tests.docchat_testkit import create_document, make_settings
from tests.fake_openai import API_KEY, FakeOpenAI, silent_server

KETTLE = "Descale the kettle every month. Limescale slows the heating element."
TEAPOT = "Warm the teapot before brewing. Loose leaves need room to unfold."


@pytest.fixture
def library(client: TestClient) -> dict[str, int]:
    """Two ready documents; their ids by title."""
    return {
        title: create_document(client, title, content)["id"]
        for title, content in [("Kettle care", KETTLE), ("Teapot tips", TEAPOT)]
    }


def _ask(client: TestClient, **body: Any) -> Any:
    return client.post("/chat/ask", json=body)


def test_ask_cites_best_passage_with_its_title(client: TestClient, library: dict[str, int]) -> None:
    response = _ask(client, question="How often should I descale the kettle?")

    assert response.status_code == 200
    body = response.json()
    assert body["answer"].splitlines()[1] == '[1] "Descale the kettle every month." (Kettle care)'
    first = body["sources"][0]
    assert first["n"] == 1
    assert first["document_id"] == library["Kettle care"]
    assert first["title"] == "Kettle care"
    assert first["text"] == KETTLE
    assert first["score"] > 0


def test_ask_sources_are_numbered_best_first(client: TestClient, library: dict[str, int]) -> None:
    body = _ask(client, question="kettle teapot brewing").json()

    assert [source["n"] for source in body["sources"]] == [1, 2]
    scores = [source["score"] for source in body["sources"]]
    assert scores == sorted(scores, reverse=True)


def test_ask_top_k_limits_sources(client: TestClient, library: dict[str, int]) -> None:
    body = _ask(client, question="kettle teapot", top_k=1).json()

    assert len(body["sources"]) == 1


def test_ask_with_document_ids_only_uses_those_documents(
    client: TestClient, library: dict[str, int]
) -> None:
    teapot = library["Teapot tips"]

    body = _ask(client, question="kettle teapot", document_ids=[teapot]).json()

    assert {source["document_id"] for source in body["sources"]} == {teapot}


def test_ask_with_document_ids_and_no_match_there_says_nothing_found(
    client: TestClient, library: dict[str, int]
) -> None:
    body = _ask(client, question="limescale", document_ids=[library["Teapot tips"]]).json()

    assert body == {"answer": NO_ANSWER, "sources": []}


def test_ask_with_unknown_document_ids_returns_404_listing_them(
    client: TestClient, library: dict[str, int]
) -> None:
    response = _ask(client, question="kettle", document_ids=[library["Kettle care"], 998, 999])

    assert response.status_code == 404
    assert response.json() == {"detail": "unknown document ids: [998, 999]"}


def test_ask_without_documents_says_nothing_found(client: TestClient) -> None:
    response = _ask(client, question="How do I descale the kettle?")

    assert response.status_code == 200
    assert response.json() == {"answer": NO_ANSWER, "sources": []}


def test_ask_with_only_stopwords_finds_nothing(client: TestClient, library: dict[str, int]) -> None:
    assert _ask(client, question="what is the of it?").json()["sources"] == []


def test_ask_with_fts_syntax_in_question_is_treated_as_words(
    client: TestClient, library: dict[str, int]
) -> None:
    response = _ask(client, question='kettle" OR NEAR(tea* AND -"x')

    assert response.status_code == 200
    assert response.json()["sources"][0]["title"] == "Kettle care"


def test_ask_ignores_documents_that_failed(client: TestClient) -> None:
    create_document(client, "Symbols", "?? !! ..")

    assert _ask(client, question="symbols").json()["sources"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "question"),
        ({"question": "   "}, "question"),
        ({"question": "x" * 2001}, "question"),
        ({"question": "kettle", "top_k": 0}, "top_k"),
        ({"question": "kettle", "top_k": 21}, "top_k"),
        ({"question": "kettle", "document_ids": []}, "document_ids"),
        ({"question": "kettle", "document_ids": ["one"]}, "document_ids"),
        ({"question": "kettle", "document_ids": [0]}, "document_ids"),
        ({"question": "kettle", "document_ids": [2**63]}, "document_ids"),
        ({"question": "kettle", "document_ids": list(range(1, 102))}, "document_ids"),
        ({"question": "kettle", "stream": True}, "stream"),
    ],
)
def test_ask_invalid_body_returns_422_naming_field(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    response = client.post("/chat/ask", json=body)

    assert response.status_code == 422
    assert any(error["loc"][:2] == ["body", field] for error in response.json()["detail"])


# --- with an OpenAI-compatible LLM ---------------------------------------------------------------


@pytest.fixture
def fake() -> FakeOpenAI:
    return FakeOpenAI()


@pytest.fixture
def openai_llm(app: FastAPI, fake: FakeOpenAI) -> Iterator[OpenAIChatClient]:
    """The app answers through a real OpenAIChatClient talking to the fake server."""
    settings = make_settings(openai_api_key=API_KEY, openai_base_url="http://fake/v1")
    llm = OpenAIChatClient(settings, transport=httpx2.ASGITransport(app=fake.app()))
    app.dependency_overrides[get_llm] = lambda: llm
    yield llm
    app.dependency_overrides.clear()
    anyio.run(llm.aclose)


def test_ask_with_llm_returns_its_answer_and_the_sources(
    client: TestClient, library: dict[str, int], openai_llm: OpenAIChatClient, fake: FakeOpenAI
) -> None:
    response = _ask(client, question="descale kettle")

    assert response.status_code == 200
    assert response.json()["answer"] == fake.answer
    assert response.json()["sources"][0]["title"] == "Kettle care"
    assert KETTLE in fake.requests[0]["json"]["messages"][1]["content"]


@pytest.mark.parametrize(
    ("reply", "detail"),
    [
        ("server-error", "the language model answered HTTP 500"),
        ("unauthorized-echo", "the language model answered HTTP 401"),
        ("not-json", "the language model sent a reply that is not a chat completion"),
    ],
)
def test_ask_when_llm_fails_returns_502_with_message_and_no_key(
    client: TestClient,
    library: dict[str, int],
    openai_llm: OpenAIChatClient,
    fake: FakeOpenAI,
    reply: str,
    detail: str,
) -> None:
    fake.reply = reply

    response = _ask(client, question="descale kettle")

    assert response.status_code == 502
    assert response.json() == {"detail": detail}
    assert API_KEY not in response.text
    assert API_KEY not in str(response.headers)


def test_ask_when_llm_is_unreachable_returns_502(make_client: Callable[..., TestClient]) -> None:
    client = make_client(openai_api_key=API_KEY, openai_base_url="http://127.0.0.1:1/v1")
    create_document(client, "Kettle care", KETTLE)

    response = _ask(client, question="descale kettle")

    assert response.status_code == 502
    assert response.json() == {"detail": "could not reach the language model (ConnectError)"}
    assert API_KEY not in response.text


def test_ask_when_llm_times_out_returns_504(make_client: Callable[..., TestClient]) -> None:
    with silent_server() as base_url:
        client = make_client(openai_api_key=API_KEY, openai_base_url=base_url, llm_timeout_s=0.2)
        create_document(client, "Kettle care", KETTLE)

        response = _ask(client, question="descale kettle")

    assert response.status_code == 504
    assert response.json() == {"detail": "the language model did not answer in time"}
    assert API_KEY not in response.text
