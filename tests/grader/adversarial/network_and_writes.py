"""Threat: phone home, and write into the folders of other learners and of the grades.

Deserves: 0 here (nothing is implemented); and afterwards nothing outside its own work folder
has changed (the grading test looks).
"""

import socket
from pathlib import Path

for host, port in (("127.0.0.1", 22), ("1.1.1.1", 80)):
    try:
        socket.create_connection((host, port), timeout=0.5).close()
    except OSError:
        pass

for folder in ("__OTHER_LEARNER__", "__OUT__"):
    try:
        (Path(folder) / "ex01_dependencies.py").write_text("raise SystemExit('overwritten')\n")
        (Path(folder) / "grades.csv").write_text("everyone,0\n")
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
