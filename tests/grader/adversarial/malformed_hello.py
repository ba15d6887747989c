"""Threat: blame the grader, another way. Before the worker's own hello, the submission sends
the judge a hello of its making, shaped so that reading it raises in the judge ("missing": 5).
The run used to end as "could not be graded: TypeError", a failure of the grader's own.
Deserves: 0, as a run that wrote something that is not an answer.
"""

import json
import os
import stat
import struct

body = json.dumps({"op": "hello", "load": None, "missing": 5}).encode()
for fd in range(3, 64):
    try:
        if stat.S_ISSOCK(os.fstat(fd).st_mode):
            os.write(fd, struct.pack("!I", len(body)) + body)
            break
    except OSError:
        pass
