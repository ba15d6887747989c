"""The judge reads a stage's files itself, to say which definitions are still stubs: a file made
to break or slow that reading is read as written code, never as the grader's own failure."""

import ast

import pytest

from docchat_lab.stages import package
from docchat_lab.stages.workspace import stubs_left

DEPS = "api/deps.py"
HOSTILE = {
    "deep sum": "X = " + "+".join(["1"] * 20_000) + "\n",  # RecursionError building the AST
    "deep not": "X = " + "not " * 20_000 + "y\n",  # MemoryError in the parser
    "long": "def f():\n    return 1\n" * 20_000,  # 440 KB: seconds to parse once per name
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=list(HOSTILE))
def test_a_file_too_deep_or_too_long_is_no_stub(text: str) -> None:
    stubs = package.snapshot(0)[DEPS]
    assert stubs_left(1, lambda relative: stubs + text if relative == DEPS else "") == []


def test_a_file_too_long_for_a_stub_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    real_parse = ast.parse
    monkeypatch.setattr(
        ast, "parse", lambda text, *a, **k: parsed.append(text) or real_parse(text, *a, **k)
    )
    stubs = package.snapshot(0)[DEPS]
    assert stubs_left(1, lambda relative: stubs + HOSTILE["long"] if relative == DEPS else "") == []
    assert not [text for text in parsed if HOSTILE["long"] in text]


def test_stubs_are_still_found() -> None:
    stubs = package.snapshot(0)[DEPS]
    assert stubs_left(1, lambda relative: stubs if relative == DEPS else "") != []
