"""Checks for exercise 4: endpoints that wait without blocking the event loop.

The harness swaps in a `legacy_summarize` that blocks its thread and an `llm_complete` that
awaits, each for this run's delay and each answering with this run's salt. Timings are taken
here, in the judge, from the moment the requests are sent. Timing claims compare against the
run's own delay with wide margins, and a timing that misses is measured once more before it
counts: a busy machine may slow a good answer down, but it never makes a blocking one fast.
"""

import random
import secrets
from typing import Any
from urllib.parse import urlencode

from docchat_lab.grading.expect import about, expect, expect_equal, expect_status
from docchat_lab.grading.subject import CheckFailedError, Response, Subject

CALLS = 4  # slow calls made at once
ATTEMPTS = 2  # a timing that misses is measured again before it fails
_WORDS = (
    "the index holds every chunk of each document and the retriever ranks them by how well "
    "their words match the question before the model writes an answer that cites them"
).split()


def params() -> dict[str, Any]:
    # Fresh delays and salt each run: answers cannot be guessed, and the waits cannot be skipped.
    return {
        "sdk_delay": round(random.uniform(0.15, 0.25), 3),
        "llm_delay": round(random.uniform(0.15, 0.25), 3),
        "salt": secrets.token_hex(4),
    }


def _text() -> str:
    start = random.randrange(len(_WORDS) - 8)
    return " ".join([*_WORDS[start : start + random.randint(5, 8)], secrets.token_hex(3)])


# The same formulas as the harness's stand-ins, written out again here on purpose.
def _summary_of(ex: Subject, text: str) -> str:
    words = text.split()
    return f"{ex.params['salt']}: {' '.join(words[:4])} ({len(words)} words)"


def _answer_to(ex: Subject, prompt: str) -> str:
    return f"[{ex.params['salt']}] an answer to: {prompt}"


def _get(path: str, **query: Any) -> dict[str, Any]:
    return {"method": "GET", "path": f"{path}?{urlencode(query, doseq=True)}" if query else path}


def _expect_summary(ex: Subject, response: Response, text: str) -> None:
    expect_status(response, 200)
    expect_equal(
        response.json(),
        {"summary": _summary_of(ex, text)},
        "GET /summary?text=... (the summary must be what legacy_summarize returned)",
    )


def _times(seconds: float, delay: float) -> str:
    return f"{seconds:.2f} s, {seconds / delay:.1f} times one call"


@about("summary()")
def test_summary_returns_what_legacy_summarize_says(ex: Subject) -> None:
    text = _text()
    [(response, seconds)] = ex.concurrently([_get("/summary", text=text)])
    _expect_summary(ex, response, text)
    expect(
        seconds >= 0.95 * ex.params["sdk_delay"],
        "GET /summary answered sooner than legacy_summarize can return: call it, do not "
        "work around it",
    )


@about("summary()")
def test_summary_requests_run_side_by_side(ex: Subject) -> None:
    delay = ex.params["sdk_delay"]
    for _attempt in range(ATTEMPTS):
        texts = [_text() for _ in range(CALLS)]  # new texts: a cached answer is no answer
        answers = ex.concurrently([_get("/summary", text=text) for text in texts])
        for (response, _seconds), text in zip(answers, texts, strict=True):
            _expect_summary(ex, response, text)
        total = max(seconds for _response, seconds in answers)
        if total < 0.6 * CALLS * delay:
            return
    raise CheckFailedError(
        f"{CALLS} GET /summary requests sent at once took {_times(total, delay)} of "
        "legacy_summarize; expected about one call's time. They ran one after the other: "
        "legacy_summarize blocked the event loop (an `async def` endpoint calling it directly)"
    )


@about("summary()")
def test_ping_is_answered_while_summaries_wait(ex: Subject) -> None:
    for _attempt in range(ATTEMPTS):
        texts = [_text() for _ in range(CALLS - 1)]
        answers = ex.concurrently([_get("/summary", text=text) for text in texts] + [_get("/ping")])
        for (response, _seconds), text in zip(answers, texts, strict=False):
            _expect_summary(ex, response, text)
        ping, ping_seconds = answers[-1]
        expect_status(ping, 200)
        expect_equal(ping.json(), {"pong": True}, "GET /ping")
        first_summary = min(seconds for _response, seconds in answers[:-1])
        if ping_seconds < first_summary:
            return
    raise CheckFailedError(
        f"GET /ping, sent together with {len(texts)} GET /summary, came back after "
        f"{ping_seconds:.2f} s, later than the first summary ({first_summary:.2f} s); expected "
        "it at once: legacy_summarize blocked the event loop, and /ping waited for it"
    )


@about("summaries()")
def test_summaries_returns_every_summary_in_order(ex: Subject) -> None:
    texts = [_text() for _ in range(3)]
    response = ex.request(**_get("/summaries", text=texts))
    expect_status(response, 200)
    expect_equal(
        response.json(),
        {"summaries": [_summary_of(ex, text) for text in texts]},
        "GET /summaries?text=...&text=...&text=... (what legacy_summarize returned, in order)",
    )


@about("summaries()")
def test_summaries_of_one_request_run_side_by_side(ex: Subject) -> None:
    delay = ex.params["sdk_delay"]
    for _attempt in range(ATTEMPTS):
        texts = [_text() for _ in range(CALLS)]
        [(response, seconds)] = ex.concurrently([_get("/summaries", text=texts)])
        expect_status(response, 200)
        expect_equal(
            response.json(),
            {"summaries": [_summary_of(ex, text) for text in texts]},
            f"GET /summaries with {CALLS} texts",
        )
        if seconds < 0.6 * CALLS * delay:
            return
    raise CheckFailedError(
        f"GET /summaries with {CALLS} texts took {_times(seconds, delay)} of legacy_summarize; "
        f"expected about one call's time: the {CALLS} calls ran one after the other. Start them "
        "all on worker threads, then await them together (asyncio.gather over run_in_threadpool)"
    )


@about("compare()")
def test_compare_returns_both_answers(ex: Subject) -> None:
    a, b = _text(), _text()
    response = ex.request(**_get("/compare", a=a, b=b))
    expect_status(response, 200)
    expect_equal(
        response.json(),
        {"a": _answer_to(ex, a), "b": _answer_to(ex, b)},
        "GET /compare?a=...&b=... (what llm_complete returned for each)",
    )


@about("compare()")
def test_compare_awaits_both_answers_at_once(ex: Subject) -> None:
    delay = ex.params["llm_delay"]
    for _attempt in range(ATTEMPTS):
        a, b = _text(), _text()
        [(response, seconds)] = ex.concurrently([_get("/compare", a=a, b=b)])
        expect_status(response, 200)
        expect_equal(
            response.json(),
            {"a": _answer_to(ex, a), "b": _answer_to(ex, b)},
            "GET /compare?a=...&b=...",
        )
        if seconds < 1.5 * delay:
            return
    raise CheckFailedError(
        f"GET /compare took {_times(seconds, delay)} of llm_complete; expected about one: the "
        "two calls were awaited one after the other. Start both, then await them together "
        "(asyncio.gather)"
    )
