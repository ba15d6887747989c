"""Threat: hold memory in many processes at once. The memory limit caps each process, so each
child could hold the limit: three children of 300 MB under a limit of 768 MB. Where a run's
processes share its limit (a memory cgroup per run, when the fork server runs as root and sees
/sys), the kernel kills a child and this submission loads nothing.
Deserves: 0 where the run's memory is shared; elsewhere it keeps the honest answer's 10.
"""

import base64
import os
import select

CHILDREN = 3
ready_r, ready_w = os.pipe()
go_r, go_w = os.pipe()
children = []
for _ in range(CHILDREN):
    pid = os.fork()
    if pid == 0:
        os.close(ready_r)
        os.close(go_w)
        block = bytearray(300 * 1024 * 1024)
        for i in range(0, len(block), 4096):
            block[i] = 1
        os.write(ready_w, b"+")  # holding it
        os.read(go_r, 1)  # until every child holds its own: they hold theirs at the same time
        os._exit(0)
    children.append(pid)
os.close(ready_w)
os.close(go_r)
held, ended = b"", {}
while len(held) < CHILDREN and not ended:
    if select.select([ready_r], [], [], 0.05)[0]:
        held += os.read(ready_r, CHILDREN)
    for pid in children:  # one killed before it held its memory: the others wait for nothing
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            ended[pid] = os.waitstatus_to_exitcode(status)
os.close(go_w)
for pid in children:
    if pid not in ended:
        ended[pid] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
if len(held) == CHILDREN and not any(ended.values()):
    exec(base64.b64decode("__HONEST__").decode())
