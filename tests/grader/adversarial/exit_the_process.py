"""Threat: end the worker process outright, on a request only a hidden check sends (a limit far
past any a visible check asks for), with an exit code made of that input: 5000 // 100 % 256 is
50. The learner's feedback used to say "(exit code 50)": a byte of a hidden check's input on
each resubmission. Deserves: 0, status crashed, and no exit code in its feedback.
"""

import base64
import os
import sys
from urllib.parse import parse_qs, urlsplit

exec(base64.b64decode("__HONEST__").decode())

_worker = sys.modules.get("docchat_lab.grading.worker")
if _worker is not None:
    _handle = _worker.Worker.handle

    async def _leak(self, message):
        limit = parse_qs(urlsplit(str(message.get("path", ""))).query).get("limit", ["0"])[0]
        if limit.isdigit() and int(limit) > 1000:
            os._exit(int(limit) // 100 % 256)
        await _handle(self, message)

    _worker.Worker.handle = _leak
