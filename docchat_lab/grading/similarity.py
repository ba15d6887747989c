"""Pairs of learners whose code is unusually alike, found with copydetect.

copydetect (https://github.com/blingenf/copydetect) fingerprints code the way MOSS does: it
tokenizes with Pygments, replaces every name with one letter and every string with another
(so renaming variables changes nothing), hashes each run of k characters of what is left and
compares the hashes. We keep every hash (a winnowing window of 1, so the result does not depend
on Python's per-process string hashing) and drop two kinds of passage before comparing:
the starting code every learner was given (the boilerplate), and code that many learners share
(the convergent lines of a small exercise, as MOSS's -m option does). Files are compared with
the file of the same path in the other submission.
"""

import copy
import io
import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import Any

from copydetect import CodeFingerprint, compare_files
from copydetect.utils import get_token_coverage

EXTENSIONS = (".py",)


@dataclass
class FilePair:
    path: str
    a_spans: list[list[int]]  # [start, end) character ranges shared with the other side
    b_spans: list[list[int]]
    a_text: str = ""
    b_text: str = ""


@dataclass
class Pair:
    a: str
    b: str
    similarity_a: float  # share of a's own code (starting code left out) that b also has
    similarity_b: float
    shared: int  # length of the shared passages, in normalised characters
    flagged: bool
    files: list[FilePair] = field(default_factory=list)

    @property
    def similarity(self) -> float:
        return max(self.similarity_a, self.similarity_b)


@dataclass
class Settings:
    threshold: float = 0.5  # a pair is flagged when either side shares at least this much...
    min_shared: int = 120  # ...and the shared passages are at least this long
    noise: int = 25  # k: the shortest run of normalised characters that counts as a match
    common_share: float = 0.5  # code in more than this share of the class is not evidence


def compare_class(
    submissions: dict[str, dict[str, bytes]],
    starter: dict[str, bytes],
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Every pair of learners that share code, the flagged ones with their passages."""
    settings = settings or Settings()
    texts = {learner: _texts(files) for learner, files in submissions.items()}
    boilerplate: set[int] = set()
    for path, text in _texts(starter).items():
        boilerplate |= set(_fingerprint(path, text, settings.noise).hash_idx)
    # Tokenized once; each pass below only leaves hashes out.
    full = {
        who: {path: _fingerprint(path, text, settings.noise) for path, text in files.items()}
        for who, files in texts.items()
    }
    common = _common(_without(full, boilerplate, settings.noise), settings.common_share)
    prints = _without(full, boilerplate | common, settings.noise)
    given = {path: _lines(text) for path, text in _texts(starter).items()}
    coverage = {
        who: sum(fp.token_coverage for fp in files.values()) for who, files in prints.items()
    }
    pairs = []
    for a, b in _candidates(prints):
        pair = _compare(a, b, prints, coverage, settings)
        for item in pair.files if pair else ():  # mark what they wrote, not what they were given
            starter_lines = given.get(item.path, set())
            item.a_spans = _unmark(item.a_spans, texts[a][item.path], starter_lines)
            item.b_spans = _unmark(item.b_spans, texts[b][item.path], starter_lines)
        if pair is not None:
            pairs.append(pair)
    pairs.sort(key=lambda p: (-p.similarity, p.a, p.b))
    for pair in pairs:
        for file_pair in pair.files if pair.flagged else ():
            file_pair.a_text, file_pair.b_text = (
                texts[pair.a][file_pair.path],
                texts[pair.b][file_pair.path],
            )
        if not pair.flagged:
            pair.files = []
    return {
        "settings": asdict(settings),
        "learners": sorted(submissions),
        "median": round(statistics.median([p.similarity for p in pairs]), 3) if pairs else 0.0,
        "pairs": [asdict(p) | {"similarity": round(p.similarity, 3)} for p in pairs],
    }


def _texts(files: dict[str, bytes]) -> dict[str, str]:
    texts = {}
    for path, data in files.items():
        if path.endswith(EXTENSIONS):
            try:
                texts[path] = data.decode("utf-8")
            except UnicodeDecodeError:
                continue  # not text we can tokenize: nothing to compare
    return texts


def _fingerprint(path: str, text: str, noise: int) -> CodeFingerprint:
    language = "python" if path.endswith(".py") else None  # saves a lookup by file name
    return CodeFingerprint(path, noise, 1, language=language, fp=io.StringIO(text))


def _without(
    prints: dict[str, dict[str, CodeFingerprint]], drop: set[int], noise: int
) -> dict[str, dict[str, CodeFingerprint]]:
    """The fingerprints less the hashes in `drop`, and the token coverage that is left."""
    kept_prints: dict[str, dict[str, CodeFingerprint]] = {}
    for who, files in prints.items():
        kept_prints[who] = {}
        for path, full in files.items():
            print_ = copy.copy(full)
            kept = {h: i for h, i in full.hash_idx.items() if h not in drop}
            print_.hash_idx, print_.hashes = kept, set(kept)
            print_.token_coverage = get_token_coverage(kept, noise, len(full.filtered_code))
            kept_prints[who][path] = print_
    return kept_prints


def _common(prints: dict[str, dict[str, CodeFingerprint]], share: float) -> set[int]:
    """Hashes found in more than `share` of the class (and in three learners at least)."""
    counts: dict[int, int] = defaultdict(int)
    for files in prints.values():
        for hash_ in set().union(*(fp.hashes for fp in files.values())):
            counts[hash_] += 1
    floor = max(3, share * len(prints))
    return {
        hash_ for hash_, count in counts.items() if count >= floor and count > share * len(prints)
    }


def _candidates(prints: dict[str, dict[str, CodeFingerprint]]) -> list[tuple[str, str]]:
    """Pairs sharing a hash in files of the same path: the only ones worth comparing."""
    holders: dict[tuple[str, int], set[str]] = defaultdict(set)
    for who, files in prints.items():
        for path, print_ in files.items():
            for hash_ in print_.hashes:
                holders[(path, hash_)].add(who)
    found: set[tuple[str, str]] = set()
    for learners in holders.values():
        found.update(combinations(sorted(learners), 2))
    return sorted(found)


def _compare(
    a: str,
    b: str,
    prints: dict[str, dict[str, CodeFingerprint]],
    coverage: dict[str, float],
    settings: Settings,
) -> Pair | None:
    overlap_a = overlap_b = 0.0
    files = []
    for path in sorted(set(prints[a]) & set(prints[b])):
        fa, fb = prints[a][path], prints[b][path]
        _tokens, (sim_a, sim_b), (slices_a, slices_b) = compare_files(fa, fb)
        if not len(slices_a) or not slices_a.size:
            continue
        overlap_a += sim_a * fa.token_coverage
        overlap_b += sim_b * fb.token_coverage
        files.append(FilePair(path, _spans(slices_a), _spans(slices_b)))
    if not files:
        return None
    # numpy numbers out, plain ones in: the result goes to JSON.
    similarity_a = round(float(overlap_a / coverage[a]), 3) if coverage[a] else 0.0
    similarity_b = round(float(overlap_b / coverage[b]), 3) if coverage[b] else 0.0
    shared = int(min(overlap_a, overlap_b))
    alike = max(similarity_a, similarity_b) >= settings.threshold
    return Pair(
        a, b, similarity_a, similarity_b, shared, alike and shared >= settings.min_shared, files
    )


def _lines(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if line.strip()}


def _unmark(spans: list[list[int]], text: str, given: set[str]) -> list[list[int]]:
    """The spans less every line that is in the starting code as it is."""
    kept: list[list[int]] = []
    position = 0
    for line in text.splitlines(keepends=True):
        start, end = position, position + len(line)
        position = end
        if line.strip() in given or not line.strip():
            continue
        for low, high in spans:
            low, high = max(low, start), min(high, end)
            if low < high:
                if kept and kept[-1][1] == low:
                    kept[-1][1] = high
                else:
                    kept.append([low, high])
    return kept


def _spans(slices: Any) -> list[list[int]]:
    """copydetect's 2 x n array of starts and ends, as sorted, merged [start, end) ranges."""
    ranges = sorted(zip((int(s) for s in slices[0]), (int(e) for e in slices[1]), strict=True))
    merged: list[list[int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged
