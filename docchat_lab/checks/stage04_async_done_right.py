"""Checks for stage 04: `ask` in my_docchat/api/routes/chat.py, `OpenAIChatClient.answer` in
my_docchat/services/llm.py.

Nothing here times a pass to the millisecond. That `ask` leaves the event loop free is shown by
order: its search is held until a ping sent alongside has been answered. A timeout is bounded
from below (it cannot fire before llm_timeout_s) and from above by the kit giving up.
"""

import random
import secrets
from typing import Any

from docchat.services.llm import NO_ANSWER, SYSTEM_PROMPT
from docchat_lab.grading.expect import about, expect, expect_equal, expect_status
from docchat_lab.grading.subject import CheckFailedError, Response, Subject

_WORDS = "harbour lantern meadow quartz saffron tundra violin walnut ember glacier cobalt".split()


def params() -> dict[str, Any]:
    # A fresh term in a fresh number of documents: only code that really searches finds them.
    term = f"{random.choice(_WORDS)}{secrets.token_hex(3)}"
    planted = sorted(random.sample(range(5), random.randint(2, 3)))
    documents = []
    for index in range(5):
        filler = " ".join(random.sample(_WORDS, 4))
        times = planted.index(index) + 1 if index in planted else 0
        content = f"Notes {secrets.token_hex(2)} on {filler}." + f" The {term} works." * times
        title = f"{random.choice(_WORDS).title()} notes {secrets.token_hex(3)}"
        documents.append({"title": title, "content": content})
    upstream = {
        "base_url": f"http://llm-{secrets.token_hex(3)}.invalid/v{random.randint(1, 9)}",
        "api_key": f"sk-{secrets.token_hex(12)}",
        "model": f"model-{secrets.token_hex(3)}",
        "timeout_s": round(random.uniform(0.3, 0.8), 3),
        "reply": f"Answer {secrets.token_hex(4)} [1].",
        "status": random.choice([400, 401, 403, 404, 429, 500, 502, 503]),
    }
    salt = secrets.token_hex(4)
    return {
        "term": term,
        "planted": planted,
        "documents": documents,
        "salt": salt,
        "upstream": upstream,
    }


# --- POST /chat/ask ------------------------------------------------------------------------


def _ask(ex: Subject, **body: Any) -> Response:
    return ex.post("/chat/ask", json_body={"question": f"Where is {ex.params['term']}?", **body})


def _planted_ids(ex: Subject) -> list[int]:
    return [index + 1 for index in ex.params["planted"]]


def _sources(ex: Subject, response: Response, what: str) -> list[dict[str, Any]]:
    expect_status(response, 200, why=f"{what} about stored documents")
    body = response.json()
    sources = body.get("sources") if isinstance(body, dict) else None
    expect(isinstance(sources, list), f"{what} answered {response.summary()}; expected sources")
    assert isinstance(sources, list)
    return sources


def _document_ids(sources: list[dict[str, Any]]) -> list[Any]:
    """The distinct document ids the sources cite, ints in order (anything else after them)."""
    ids = {source.get("document_id") for source in sources}
    return sorted(i for i in ids if isinstance(i, int)) + [i for i in ids if not isinstance(i, int)]


def _kit_answer(ex: Subject, chunk_ids: list[int]) -> str:
    cited = " ".join(f"[{n}] chunk {chunk}" for n, chunk in enumerate(chunk_ids, start=1))
    return f"{ex.params['salt']}: {cited}"


def _asked(ex: Subject) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = ex.get("/_llm").json()
    return calls


@about("ask()")
def test_ask_cites_its_sources_numbered_from_1_in_order(ex: Subject) -> None:
    top_k = random.randint(len(ex.params["planted"]), 10)
    response = _ask(ex, top_k=top_k)
    what = f"POST /chat/ask (top_k={top_k})"
    sources = _sources(ex, response, what)
    numbers = [source.get("n") for source in sources]
    expect_equal(numbers, list(range(1, len(sources) + 1)), f"{what}: the sources' n")
    found = _document_ids(sources)
    expect_equal(found, _planted_ids(ex), f"{what}: the documents cited (all that hold the term)")
    for source in sources:
        stored = ex.params["documents"][source["document_id"] - 1]
        shown = {key: source.get(key) for key in ("title", "text", "position")}
        expected = {"title": stored["title"], "text": stored["content"], "position": 0}
        expect_equal(shown, expected, f"{what}: source {source['n']}")
    scores = [source.get("score") for source in sources]
    numeric = [s for s in scores if isinstance(s, int | float)]
    expect(
        numeric == scores and numeric == sorted(numeric, reverse=True),
        f"{what}: scores {scores}; expected numbers, best first",
    )
    chunk_ids = [source.get("chunk_id") for source in sources]
    given = _asked(ex)[-1]["chunk_ids"]
    expect_equal(chunk_ids, given, f"{what}: the sources' chunk ids (the passages the model got)")
    expect_equal(
        response.json().get("answer"), _kit_answer(ex, given), f"{what}: the answer (the model's)"
    )


@about("ask()")
def test_top_k_and_document_ids_narrow_the_search(ex: Subject) -> None:
    best = _sources(ex, _ask(ex, top_k=10), "POST /chat/ask")[0]
    sources = _sources(ex, _ask(ex, top_k=1), "POST /chat/ask (top_k=1)")
    expect(len(sources) == 1, f"POST /chat/ask (top_k=1) cited {len(sources)} sources; expected 1")
    only = sources[0]
    expect_equal(only.get("chunk_id"), best["chunk_id"], "POST /chat/ask (top_k=1): the source")
    expect_equal(only.get("n"), 1, "POST /chat/ask (top_k=1): the source's n")
    chosen = random.choice(_planted_ids(ex))
    sources = _sources(ex, _ask(ex, document_ids=[chosen]), f"POST /chat/ask ([{chosen}])")
    expect_equal(
        _document_ids(sources),
        [chosen],
        f"POST /chat/ask with document_ids=[{chosen}]: the documents cited",
    )


@about("ask()")
def test_unknown_document_ids_are_a_404_that_names_them(ex: Subject) -> None:
    known = random.choice(_planted_ids(ex))
    _sources(ex, _ask(ex, document_ids=[known]), f"POST /chat/ask (document_ids=[{known}])")
    missing = sorted(random.sample(range(1000, 10**6), 2))
    asked_before = len(_asked(ex))
    ids = [known, *missing]
    response = _ask(ex, document_ids=ids)
    expect_status(response, 404, why=f"documents {missing} do not exist")
    detail = response.json().get("detail")
    expect(
        isinstance(detail, str) and all(str(m) in detail for m in missing),
        f"POST /chat/ask with document_ids={ids} answered 404 with detail {detail!r}; expected "
        f"a detail that names {missing}",
    )
    expect_equal(len(_asked(ex)), asked_before, "the number of questions the model got")


@about("ask()")
def test_no_connection_is_held_while_the_llm_answers(ex: Subject) -> None:
    _sources(ex, _ask(ex), "POST /chat/ask")
    out = _asked(ex)[-1]["connections_out"]
    expect(
        out == 0,
        f"POST /chat/ask: while the model was answering, {out} database connection(s) were "
        "still checked out; expected 0: db_read gives the connection back before it returns",
    )


@about("ask()")
def test_ask_does_not_block_the_event_loop(ex: Subject) -> None:
    expect_status(ex.post("/_hold"), 200)
    ask = {"method": "POST", "path": "/chat/ask", "json_body": {"question": ex.params["term"]}}
    [(response, _), (ping, _)] = ex.concurrently([ask, {"method": "GET", "path": "/_ping"}])
    _sources(ex, response, "POST /chat/ask")
    expect_status(ping, 200)
    events = ex.get("/_events").json()
    expect(bool(events), "POST /chat/ask never ran a search query: call _retrieve (db_read)")
    expect(
        "search released by the ping" in events,
        f"POST /chat/ask held its search, and GET /_ping was sent alongside; what happened: "
        f"{events}. Expected the ping to be answered while the search waited: the search "
        "blocked the event loop, so nothing else could run",
    )


# --- OpenAIChatClient.answer ---------------------------------------------------------------


def _passages(count: int) -> list[dict[str, Any]]:
    return [
        {
            "chunk_id": random.randint(1, 10**6),
            "document_id": random.randint(1, 10**6),
            "title": f"Doc {secrets.token_hex(2)}",
            "position": random.randint(0, 9),
            "text": f"Passage {secrets.token_hex(4)} says {random.choice(_WORDS)}.",
            "score": round(random.uniform(1, 9), 3),
        }
        for _ in range(count)
    ]


def _answer(ex: Subject, mode: str, passages: list[dict[str, Any]] | None = None) -> Any:
    passages = _passages(random.randint(1, 3)) if passages is None else passages
    question = f"What is {secrets.token_hex(3)}?"
    body = {"mode": mode, "question": question, "passages": passages}
    result = ex.post("/_answer", app="llm", json_body=body).json()
    result["question"], result["passages"] = question, passages
    return result


def _said(result: dict[str, Any]) -> str:
    if result["outcome"] == "answer":
        return f"returned {result['value']!r}"
    if result["outcome"] == "hung":
        return f"had not returned after {result['after_s']:g} s"
    return f"raised {result['type']}: {result['message']}"


def _expect_answer(ex: Subject, result: dict[str, Any]) -> None:
    expected = ex.params["upstream"]["reply"]
    expect(
        result["outcome"] == "answer" and result["value"] == expected,
        f"answer() with an upstream that replied {expected!r} (with spaces around it) "
        f"{_said(result)}; expected {expected!r}, the reply's text from _content_of(response)",
    )


@about("OpenAIChatClient.answer()")
def test_answer_posts_the_question_and_the_passages(ex: Subject) -> None:
    result = _answer(ex, "ok")
    upstream = ex.params["upstream"]
    requests = result["requests"]
    expect(
        len(requests) == 1,
        f"answer() sent {len(requests)} requests to the upstream; expected 1 (on self._client)",
    )
    [sent] = requests
    texts = "\n\n".join(f"[{n}] {p['text']}" for n, p in enumerate(result["passages"], start=1))
    user = f"Passages:\n{texts}\n\nQuestion: {result['question']}"
    expected = {
        "method": "POST",
        "url": f"{upstream['base_url']}/chat/completions",
        "authorization": f"Bearer {upstream['api_key']}",
        "json": {
            "model": upstream["model"],
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": user},
            ],
        },
    }
    for key, value in expected.items():
        expect_equal(sent.get(key), value, f"answer(): the request's {key}")
    _expect_answer(ex, result)


@about("OpenAIChatClient.answer()")
def test_answer_without_passages_asks_nobody(ex: Subject) -> None:
    _expect_answer(ex, _answer(ex, "ok"))
    result = _answer(ex, "ok", passages=[])
    expect(
        result["outcome"] == "answer" and result["value"] == NO_ANSWER and not result["requests"],
        f"answer() with no passages {_said(result)} after {len(result['requests'])} request(s); "
        f"expected NO_ANSWER ({NO_ANSWER!r}) and no request",
    )


@about("OpenAIChatClient.answer()")
def test_a_failing_upstream_is_an_llm_error(ex: Subject) -> None:
    _expect_answer(ex, _answer(ex, "ok"))  # a client that always raises must not pass
    status = ex.params["upstream"]["status"]
    result = _answer(ex, "status")
    said = f"answer() with an upstream that answered HTTP {status} {_said(result)}"
    expect(result["outcome"] == "error" and result["llm_error"], f"{said}; expected an LLMError")
    expect(not result["timeout_error"], f"{said}; expected an LLMError, not LLMTimeoutError")
    expect(str(status) in result["message"], f"{said}; expected a message that names {status}")
    expect(
        ex.params["upstream"]["api_key"] not in result["message"],
        f"{said}; the message carries the API key (the reply echoed it): a client would see it",
    )


@about("OpenAIChatClient.answer()")
def test_a_slow_upstream_is_an_llm_timeout_within_timeout_s(ex: Subject) -> None:
    _expect_answer(ex, _answer(ex, "ok"))
    timeout_s = ex.params["upstream"]["timeout_s"]
    for mode, upstream in (("silent", "never answers"), ("trickle", "sends a byte at a time")):
        spec: dict[str, Any] = {"method": "POST", "path": "/_answer", "app": "llm"}
        spec["json_body"] = {"mode": mode, "question": "Why?", "passages": _passages(1)}
        [(response, seconds)] = ex.concurrently([spec])
        result = response.json()
        said = f"answer() with llm_timeout_s={timeout_s:g} and an upstream that {upstream}"
        if result["outcome"] == "hung":
            raise CheckFailedError(
                f"{said} {_said(result)}; expected LLMTimeoutError after {timeout_s:g} s: "
                "httpx's timeout bounds each read, not the whole call"
            )
        expect(
            result["outcome"] == "error" and result["timeout_error"],
            f"{said} {_said(result)}; expected LLMTimeoutError",
        )
        expect(
            seconds >= 0.9 * timeout_s,
            f"{said} raised LLMTimeoutError after {seconds:.2f} s; expected it only once "
            f"llm_timeout_s ({timeout_s:g} s) had passed: use self.timeout_s",
        )
        expect(
            "upstream cancelled" in result["events"],
            f"{said}: the request to the upstream was left running after the timeout; "
            "expected it cancelled",
        )
