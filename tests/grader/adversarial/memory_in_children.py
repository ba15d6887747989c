"""Threat: hold memory in many processes at once. The memory limit caps each process, so each
child could hold the limit: six children of 300 MB under a limit of 768 MB. Where a run's
processes share its limit (a memory cgroup per run, when the fork server runs as root and sees
/sys), the kernel kills a child and this submission loads nothing.
Deserves: 0 where the run's memory is shared; elsewhere it keeps the honest answer's 10.
"""

import base64
import os
import time

children = []
for _ in range(6):
    pid = os.fork()
    if pid == 0:
        block = bytearray(300 * 1024 * 1024)
        for i in range(0, len(block), 4096):
            block[i] = 1
        time.sleep(2)  # all of them hold theirs at the same time
        os._exit(0)
    children.append(pid)
held = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0 for pid in children]
if all(held):
    exec(base64.b64decode("__HONEST__").decode())
