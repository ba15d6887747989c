"""Split text into overlapping chunks, on paragraph and sentence boundaries where it can."""

import re

_PARAGRAPH = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_SPACE = re.compile(r"\s+")


def _pieces(text: str, size: int) -> list[str]:
    """Paragraphs, then sentences, then words, then hard cuts: each piece at most `size`."""
    pieces: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        paragraph = _SPACE.sub(" ", paragraph).strip()
        if not paragraph:
            continue
        if len(paragraph) <= size:
            pieces.append(paragraph)
            continue
        for sentence in _SENTENCE_END.split(paragraph):
            if len(sentence) <= size:
                pieces.append(sentence)
                continue
            pieces.extend(_split_words(sentence, size))
    return pieces


def _split_words(sentence: str, size: int) -> list[str]:
    out: list[str] = []
    current = ""
    for word in sentence.split(" "):
        while len(word) > size:  # one "word" longer than a chunk: cut it
            if current:
                out.append(current)
                current = ""
            out.append(word[:size])
            word = word[size:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= size:
            current = candidate
        else:
            out.append(current)
            current = word
    # Never empty: a sentence is stripped and single-spaced, so it ends with a word.
    out.append(current)
    return out


def _tail(text: str, overlap: int) -> str:
    """The last `overlap` characters of a chunk, starting at a word boundary."""
    if overlap <= 0 or len(text) <= overlap:
        return "" if overlap <= 0 else text
    tail = text[-overlap:]
    space = tail.find(" ")
    return tail[space + 1 :] if 0 <= space < len(tail) - 1 else tail


def split_into_chunks(text: str, size: int, overlap: int) -> list[str]:
    """Chunks of at most `size` characters; each starts with up to `overlap` of the previous one."""
    if size <= 0 or not 0 <= overlap < size:
        raise ValueError(f"need 0 <= overlap < size, got size={size}, overlap={overlap}")
    chunks: list[str] = []
    current = ""
    for piece in _pieces(text, size):
        candidate = f"{current} {piece}" if current else piece
        if len(candidate) <= size:
            current = candidate
            continue
        chunks.append(current)
        carried = _tail(current, overlap)
        # Carry the overlap only if the next piece still fits beside it.
        fits = carried and len(carried) + 1 + len(piece) <= size
        current = f"{carried} {piece}" if fits else piece
    if current:
        chunks.append(current)
    return chunks
