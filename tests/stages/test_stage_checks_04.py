"""Stage 04's checks: the stub fails as "not written yet", the reference passes, and each
realistic wrong answer fails exactly the checks it should, saying why."""

from tests.stages.stage_answers import StageChecksWithWrongAnswers, wrong

CHAT = "api/routes/chat.py"
LLM = "services/llm.py"
NOT_BLOCKING = "test_ask_does_not_block_the_event_loop"
NO_CONNECTION = "test_no_connection_is_held_while_the_llm_answers"
SLOW = "test_a_slow_upstream_is_an_llm_timeout_within_timeout_s"
FAILING = "test_a_failing_upstream_is_an_llm_error"


WRONG = [
    wrong(
        "the search called directly inside async def: it blocks the event loop",
        CHAT,
        "hits = await db_read(_retrieve, session, body)",
        "hits = _retrieve(session, body)",
        {NOT_BLOCKING, NO_CONNECTION},
        "POST /chat/ask",
    ),
    wrong(
        "run_in_threadpool: the loop is free, but the connection stays out during the LLM call",
        CHAT,
        "hits = await db_read(_retrieve, session, body)",
        "hits = await __import__('fastapi').concurrency.run_in_threadpool("
        "_retrieve, session, body)",
        {NO_CONNECTION},
        "still checked out",
    ),
    wrong(
        "sources numbered from 0",
        CHAT,
        "for n, hit in enumerate(hits, start=1)",
        "for n, hit in enumerate(hits)",
        {
            "test_ask_cites_its_sources_numbered_from_1_in_order",
            "test_top_k_and_document_ids_narrow_the_search",
        },
        "n",
    ),
    wrong(
        "search() called without _retrieve: unknown ids are never refused",
        CHAT,
        "hits = await db_read(_retrieve, session, body)",
        "hits = await db_read(search, session, body.question, body.top_k, body.document_ids)",
        {"test_unknown_document_ids_are_a_404_that_names_them"},
        "expected 404",
    ),
    wrong(
        "only httpx's timeout: a trickling or silent upstream is never cut off",
        LLM,
        "            async with asyncio.timeout(self.timeout_s):\n"
        "                response = await self._client.post",
        "            if True:\n                response = await self._client.post",
        {SLOW},
        "had not returned",
    ),
    wrong(
        "asyncio's TimeoutError not caught: it escapes as itself, not as LLMTimeoutError",
        LLM,
        "except (httpx2.TimeoutException, TimeoutError):",
        "except httpx2.TimeoutException:",
        {SLOW},
        "expected LLMTimeoutError",
    ),
    wrong(
        "the upstream's body in the error message: it echoes the key",
        LLM,
        'raise LLMError(f"the language model answered HTTP {response.status_code}")',
        'raise LLMError(f"HTTP {response.status_code}: {response.text}")',
        {FAILING},
        "API key",
    ),
    wrong(
        "passages numbered from 0 in the prompt",
        LLM,
        "for n, hit in enumerate(passages, start=1))",
        "for n, hit in enumerate(passages))",
        {"test_answer_posts_the_question_and_the_passages"},
        "the request's json",
    ),
]


class TestStage04(StageChecksWithWrongAnswers):
    stage = 4
    harness = "stage04_async_done_right"
    checks = 9
    wrong = WRONG
