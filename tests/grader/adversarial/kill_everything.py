"""Threat: kill every process it may signal (the fork server, the judge, other workers).
Deserves: 0 here. Running as its own uid it can signal only itself, so it lives on (and
defines nothing), and nothing else is disturbed."""

import os
import signal

for pid in (os.getppid(), 1):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
os.kill(-1, signal.SIGKILL)
