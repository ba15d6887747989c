"""Stage 04's checks: the stub fails as "not written yet", the reference passes, and each
realistic wrong answer fails exactly the checks it should, saying why."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from docchat_lab.grading.manifest import find
from docchat_lab.grading.runner import ExerciseResult, run_exercise
from docchat_lab.grading.sandbox import Sandbox
from docchat_lab.learner_check import package_files
from docchat_lab.stages import package

STAGE = find("04")
CHAT = "api/routes/chat.py"
LLM = "services/llm.py"
NOT_BLOCKING = "test_ask_does_not_block_the_event_loop"
NO_CONNECTION = "test_no_connection_is_held_while_the_llm_answers"
SLOW = "test_a_slow_upstream_is_an_llm_timeout_within_timeout_s"
FAILING = "test_a_failing_upstream_is_an_llm_error"


@dataclass(frozen=True)
class Wrong:
    mistake: str
    file: str
    old: str
    new: str
    fails: frozenset[str]
    says: str  # every failing check's message holds this


def wrong(mistake: str, file: str, old: str, new: str, fails: set[str], says: str) -> Wrong:
    return Wrong(mistake, file, old, new, frozenset(fails), says)


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


def _write(parent: Path, edit: Wrong | None = None, stage: int = 4) -> Path:
    root = package.write_snapshot(stage, parent)
    if edit is not None:
        path = root / edit.file
        text = path.read_text()
        assert edit.old in text, f"{edit.mistake}: {edit.old!r} is no longer in the reference"
        path.write_text(text.replace(edit.old, edit.new))
    return root


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ExerciseResult]:
    """Every variant checked in one sandbox: the stub, the reference, each wrong answer."""
    variants: dict[str, Path] = {}
    base = tmp_path_factory.mktemp("stage04")
    variants["stub"] = _write(base / "stub", stage=3)
    variants["reference"] = _write(base / "reference")
    for number, edit in enumerate(WRONG):
        variants[edit.mistake] = _write(base / f"wrong{number}", edit)
    with Sandbox([STAGE.slug], mode="none") as sandbox:
        return {
            name: run_exercise(sandbox, STAGE, package_files(root))
            for name, root in variants.items()
        }


def _failed(result: ExerciseResult) -> dict[str, str]:
    return {check.name: check.message for check in result.checks if not check.passed}


def test_the_stub_is_not_written_yet(results: dict[str, ExerciseResult]) -> None:
    failed = _failed(results["stub"])
    assert len(failed) == len(STAGE.checks())
    assert "not written yet" in next(iter(failed.values()))


def test_the_reference_passes_every_check(results: dict[str, ExerciseResult]) -> None:
    assert _failed(results["reference"]) == {}
    assert len(results["reference"].checks) == len(STAGE.checks()) == 9


@pytest.mark.parametrize("edit", WRONG, ids=[w.mistake[:40] for w in WRONG])
def test_a_wrong_answer_fails_the_checks_it_should(
    results: dict[str, ExerciseResult], edit: Wrong
) -> None:
    failed = _failed(results[edit.mistake])
    assert set(failed) == edit.fails, failed
    for name, message in failed.items():
        assert edit.says in message, (name, message)
