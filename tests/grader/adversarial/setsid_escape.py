"""Threat: outlive the run. A child calls setsid() (leaving the process group that used to be
killed) and forks again; the grandchild keeps trying, for 12 seconds, to write full marks into
the grades and a marker file. In "none" mode it rewrote grades.csv 6 s after the grader was
done. Deserves: 0, and no process of it outlives its run (the marker stops growing).
"""

import os
import time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        deadline = time.time() + 12
        while time.time() < deadline:
            for path, line in (
                ("__MARKER__", f"{time.time()}\n"),
                ("__OUT__/grades.csv", "setsid_escape,,10,10,10,30,30,\n"),
            ):
                try:
                    with open(path, "a") as handle:
                        handle.write(line)
                except OSError:
                    pass
            time.sleep(0.1)
        os._exit(0)
    os._exit(0)
time.sleep(0.3)

Page = dict
PageDep = ApiKeyDep = dict


def get_api_keys():
    return frozenset()


def pagination():
    raise NotImplementedError


def require_api_key():
    raise NotImplementedError
