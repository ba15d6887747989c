"""Threat: read the reference answers, the hidden checks, other learners' work or the grades.

If any of them can be read, this submission switches to a perfect answer, so its score shows
whether the isolation held. Deserves: 0 (nothing could be read). The grading test fills in the
paths below.
"""

import base64
from pathlib import Path

import docchat_lab

SECRETS = [
    Path(docchat_lab.__file__).resolve().parent.parent / "solutions" / "ex01_dependencies.py",
    Path("__HIDDEN__") / "ex01_dependencies.py",
    Path("__OTHER_LEARNER__") / "ex01_dependencies.py",
    Path("__OUT__") / "grades.csv",
]

leaked = None
for secret in SECRETS:
    try:
        leaked = secret.read_text()
        break
    except OSError:
        continue

if leaked is not None:
    exec(base64.b64decode("__HONEST__").decode())
else:
    Page = dict
    PageDep = ApiKeyDep = dict

    def get_api_keys():
        return frozenset()

    def pagination():
        raise NotImplementedError

    def require_api_key():
        raise NotImplementedError
