"""Learner ids from the names of submitted folders and zips: readable, unique ignoring case, and
never taken from one learner by another's look-alike name."""

import os
import unicodedata


def printable(name: str) -> str:
    return name.encode("utf-8", "replace").decode("utf-8")


def learner_id(name: str) -> str:
    """A readable id for a folder or zip name: unicode letters kept, '.', '_', '-' allowed."""
    text = unicodedata.normalize("NFC", printable(name))
    kept = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in text)
    while "__" in kept:
        kept = kept.replace("__", "_")
    return kept.strip("._-")[:80] or "learner"


def learner_ids(names: list[str], sources: list[str] | None = None) -> tuple[list[str], list[str]]:
    """Ids for submissions' names (zips' without `.zip`), unique ignoring case; a note per clash.

    Who gets a contested id never depends on the order names come in: a name that is an id
    exactly as written keeps it, ahead of any name that had to change to become it (`_alice`,
    a decomposed `é`); between names equal but for case, the more lowercase one. First come, first
    served (in byte order) let `_alice` or `ALICE` take `alice` from alice, silently.
    """
    shown = [printable(s) for s in (sources or names)]
    plain = [learner_id(name) for name in names]
    rank = sorted(
        range(len(names)),
        # swapcase: of ids equal but for case, the one lowercase at the first difference
        key=lambda i: (
            plain[i] != names[i],
            plain[i].swapcase(),
            os.fsencode(sources[i] if sources else names[i]),
        ),
    )
    ids = [""] * len(names)
    owner: dict[str, int] = {}  # casefolded id -> the name holding it
    # Every plain id is handed out before any suffixed one: `alice-2` is never given to
    # alice's second while a submission is named `alice-2`.
    for i in rank:
        if plain[i].casefold() not in owner:
            ids[i], owner[plain[i].casefold()] = plain[i], i
    notes = []
    for i in (i for i in rank if not ids[i]):
        n = 2
        while f"{plain[i]}-{n}".casefold() in owner:
            n += 1
        ids[i] = f"{plain[i]}-{n}"
        owner[ids[i].casefold()] = i
        first = owner[plain[i].casefold()]
        mine, theirs = repr(shown[i]), repr(shown[first])
        if unicodedata.normalize("NFC", mine) == unicodedata.normalize("NFC", theirs):
            # the same letters, composed and decomposed: show the code points
            mine, theirs = ascii(shown[i]), ascii(shown[first])
        held = f"{ids[first]!r}" + (" (ids ignore case)" if ids[first] != plain[i] else "")
        notes.append(
            f"LEARNER ID CLASH: {mine} would be {plain[i]!r}, but {theirs} holds {held}, "
            f"so {mine} is graded as {ids[i]!r}: check whose work each one is"
        )
    return ids, notes
