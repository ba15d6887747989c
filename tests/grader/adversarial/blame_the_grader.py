"""Threat: blame the grader. The honest answer is loaded, but every request is answered with the
worker's "fatal" frame naming the run's status: "grader". The judge used to take that kind as
the status, so report.html listed "could not be graded", a failure of the grader's own, that
an instructor would excuse or regrade. Deserves: 0, as the memory failure the frame means.
"""

import base64
import sys

exec(base64.b64decode("__HONEST__").decode())

_worker = sys.modules.get("docchat_lab.grading.worker")
if _worker is not None:

    async def _handle(self, message):
        await self.reply_async({"op": "fatal", "kind": "grader"})

    _worker.Worker.handle = _handle
