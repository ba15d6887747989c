"""Threat: a fork bomb, then an honest-looking failure. Deserves: 0 here; the grader goes on,
and no process of the worker survives the run."""

import os
import time

children = 0
try:
    while children < 100000:
        if os.fork() == 0:
            time.sleep(600)
            os._exit(0)
        children += 1
except OSError:
    pass

raise RuntimeError(f"started {children} processes before the limit")
