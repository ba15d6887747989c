"""Threat: print results that look like a pass, on stdout and stderr, and as JSON frames.

Deserves: 0 (status crashed: it wrote garbage on the grader's channel).
"""

import json
import os
import sys

fake = {"op": "hello", "load": None, "missing": []}
print("ex01 · 8/8 checks passed, 10/10 points")
print(json.dumps({"status": "ok", "score": 10, "passed": 8}))
sys.stderr.write("PASSED 8/8\n")
for fd in range(3, 12):
    try:
        os.write(fd, b"\x00\x00\x00\x10" + b'{"ok": true}    ')
    except OSError:
        pass

Page = dict
PageDep = ApiKeyDep = dict


def get_api_keys():
    return frozenset()


def pagination():
    raise NotImplementedError


def require_api_key():
    raise NotImplementedError
