"""Chunking: bounded size, paragraph and sentence boundaries, overlap, nothing lost."""

import random
import re
from itertools import pairwise

import pytest

from docchat.services.chunking import split_into_chunks

WORDS = "kettle water boils tea leaves pot steam handle spout lid whistle cup".split()


def _words(text: str) -> list[str]:
    return re.findall(r"\S+", text)


def _random_text(seed: int) -> str:
    rng = random.Random(seed)
    paragraphs = []
    for _ in range(rng.randint(1, 6)):
        sentences = []
        for _ in range(rng.randint(1, 8)):
            words = [rng.choice(WORDS) for _ in range(rng.randint(1, 30))]
            if rng.random() < 0.1:
                words.append("x" * rng.randint(1, 400))  # a "word" longer than a chunk
            sentences.append(" ".join(words).capitalize() + rng.choice(".!?"))
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def test_short_text_is_one_chunk_with_whitespace_normalised() -> None:
    assert split_into_chunks("  Kettles   boil\nwater.  ", 100, 10) == ["Kettles boil water."]


@pytest.mark.parametrize("text", ["", "   ", "\n\n \n"])
def test_empty_text_has_no_chunks(text: str) -> None:
    assert split_into_chunks(text, 100, 10) == []


def test_paragraphs_that_do_not_fit_together_become_separate_chunks() -> None:
    first = "First paragraph about kettles and the water inside them."
    second = "Second paragraph about teapots and the leaves inside them."

    chunks = split_into_chunks(f"{first}\n\n{second}", 70, 0)

    assert chunks == [first, second]


def test_small_paragraphs_are_packed_into_one_chunk() -> None:
    assert split_into_chunks("One.\n\nTwo.\n\nThree.", 100, 0) == ["One. Two. Three."]


def test_long_paragraph_is_split_on_sentence_boundaries() -> None:
    sentences = [f"Sentence number {n} is about kettles." for n in range(6)]

    chunks = split_into_chunks(" ".join(sentences), 80, 0)

    assert len(chunks) > 1
    assert all(chunk.endswith(".") for chunk in chunks)
    assert " ".join(chunks) == " ".join(sentences)


def test_long_sentence_is_split_on_words_and_long_word_is_cut() -> None:
    chunks = split_into_chunks("tea " * 30 + "y" * 25, 20, 0)

    assert all(len(chunk) <= 20 for chunk in chunks)
    assert "".join(chunks).replace(" ", "") == ("tea" * 30) + "y" * 25


def _carried(previous: str, current: str) -> str:
    """The longest run of whole words that ends `previous` and starts `current`."""
    for size in range(min(len(previous), len(current)), 0, -1):
        head = current[:size]
        whole_words = size == len(current) or current[size] == " "
        if (
            previous.endswith(head)
            and whole_words
            and (size == len(previous) or previous[-size - 1] == " ")
        ):
            return head
    return ""


def test_next_chunk_starts_with_overlap_from_previous_on_a_word_boundary() -> None:
    sentences = [f"Alpha{n} beta{n} gamma{n} delta{n}." for n in range(8)]

    chunks = split_into_chunks(" ".join(sentences), 60, 20)

    assert len(chunks) > 2
    for previous, current in pairwise(chunks):
        assert 0 < len(_carried(previous, current)) <= 20


def test_zero_overlap_repeats_nothing() -> None:
    sentences = [f"Alpha{n} beta{n} gamma{n} delta{n}." for n in range(8)]

    chunks = split_into_chunks(" ".join(sentences), 60, 0)

    assert " ".join(chunks) == " ".join(sentences)


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize(("size", "overlap"), [(100, 0), (100, 30), (200, 40), (150, 149)])
def test_random_text_chunks_fit_and_keep_every_word_in_order(
    seed: int, size: int, overlap: int
) -> None:
    text = _random_text(seed)

    chunks = split_into_chunks(text, size, overlap)

    assert all(0 < len(chunk) <= size for chunk in chunks)
    # Every word survives, in order: the chunks, minus their overlaps, spell the text.
    joined = " ".join(chunks)
    position = 0
    for word in _words(text):
        for piece in (word[i : i + size] for i in range(0, len(word), size)):
            found = joined.find(piece, position)
            assert found >= 0, f"{piece!r} lost after offset {position}"
            position = found + len(piece)


@pytest.mark.parametrize(("size", "overlap"), [(0, 0), (100, 100), (100, 150), (100, -1)])
def test_invalid_size_or_overlap_raises(size: int, overlap: int) -> None:
    with pytest.raises(ValueError, match="overlap < size"):
        split_into_chunks("text", size, overlap)
