"""Deterministic text for the benchmarks: same seed, same bytes, on every machine.

Words are made of syllables and drawn with a Zipf-like frequency, as in real prose: a few
words are everywhere, most are rare. That matters for retrieval, whose cost depends on how
many chunks a question's words appear in.
"""

import random
from itertools import accumulate

_ONSETS = (
    "b",
    "c",
    "d",
    "f",
    "g",
    "h",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "z",
    "st",
    "tr",
)
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ou")
_CODAS = ("", "", "n", "r", "s", "l", "m", "x")


def vocabulary(size: int = 6000, seed: int = 7) -> list[str]:
    """`size` distinct pronounceable words, most frequent first."""
    rng = random.Random(seed)
    words: dict[str, None] = {}
    while len(words) < size:
        syllables = rng.choice((1, 2, 2, 3, 3, 4))
        word = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables)
        )
        if len(word) > 2:
            words.setdefault(word, None)
    return list(words)


class Prose:
    """Sentences of Zipf-distributed words from one vocabulary."""

    def __init__(self, seed: int = 1, vocabulary_size: int = 6000) -> None:
        self.words = vocabulary(vocabulary_size)
        self._weights = list(accumulate(1.0 / rank for rank in range(1, len(self.words) + 1)))
        self._rng = random.Random(seed)

    def sentence(self) -> str:
        count = self._rng.randint(6, 18)
        chosen = self._rng.choices(self.words, cum_weights=self._weights, k=count)
        return " ".join(chosen).capitalize() + "."

    def text(self, n_bytes: int) -> str:
        """Paragraphs of sentences, cut at a word boundary to at most `n_bytes` (ASCII only)."""
        parts: list[str] = []
        size = 0
        while size < n_bytes:
            sentences = " ".join(self.sentence() for _ in range(self._rng.randint(3, 8)))
            parts.append(sentences)
            size += len(sentences) + 2
        text = "\n\n".join(parts)[:n_bytes]
        return text[: text.rfind(" ")] if len(text) == n_bytes else text

    def question(self) -> str:
        """2-5 content words, never the 50 most frequent (real prose's are stopwords)."""
        count = self._rng.randint(2, 5)
        picked = [self.words[self._rng.randrange(50, 3000)] for _ in range(count)]
        return "What do the documents say about " + " ".join(picked) + "?"

    def common_question(self) -> str:
        """The worst case for retrieval: 3 of the 20 most frequent words, in most chunks."""
        picked = [self.words[self._rng.randrange(0, 20)] for _ in range(3)]
        return "What do the documents say about " + " ".join(picked) + "?"
