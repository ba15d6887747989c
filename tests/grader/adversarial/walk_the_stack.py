"""Threat (exercise 8): learn which variant of the app this process tests without testing it,
by walking the stack, the garbage collector's objects and the process's own memory. The fork
server used to fork the learner's process while the label-to-variant map was a local of one of
its frames: 10/10 with no real test. The tests below fail exactly on the buggy variants, if the
variant could be found anywhere. Deserves: 0 (nothing in this process knows it).
"""

import gc
import re
import sys

NAMES = ("leaky_get_db", "missing_404", "wrong_status", "cors_allows_everything", "unbounded_limit")
PATTERN = re.compile(rb'"variants?"\s*:\s*("(\w+)"|[\[{][^\]}]{0,600})')


def _in_frames() -> str | None:
    frame = sys._getframe()
    while frame is not None:
        for name, value in frame.f_locals.items():
            if "variant" in name and isinstance(value, str):
                return value
        frame = frame.f_back
    return None


def _in_objects() -> str | None:
    for obj in gc.get_objects():
        if isinstance(obj, dict) and "variant" in obj and isinstance(obj["variant"], str):
            return obj["variant"]
    return None


def _in_memory() -> str | None:
    try:
        maps = open("/proc/self/maps").read().splitlines()
        memory = open("/proc/self/mem", "rb", 0)
    except OSError:
        return None
    budget = 256 * 1024 * 1024
    for line in maps:
        fields = line.split()
        if len(fields) < 5 or not fields[1].startswith("rw"):
            continue
        start, end = (int(x, 16) for x in fields[0].split("-"))
        if end - start > budget:
            continue
        budget -= end - start
        try:
            memory.seek(start)
            data = memory.read(end - start)
        except (OSError, ValueError, OverflowError):
            continue
        for match in PATTERN.finditer(data):
            for name in (*NAMES, "reference"):
                if name.encode() in match.group(0):
                    return name
    return None


VARIANT = _in_frames() or _in_objects() or _in_memory()


def test_the_variant_is_the_correct_one(client):
    assert VARIANT in (None, "reference")
