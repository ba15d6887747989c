"""Threat, with talk_b_receiver: two learners' runs, graded at the same time, pass an answer
through an abstract unix socket, a file in /dev/shm or /tmp, or a System V shared memory
segment. Nothing of it is in either submission. This one does the work and offers it for a few
seconds. Deserves: full marks (it did the work).
"""

import base64
import contextlib
import ctypes
import ctypes.util
import os
import socket
import threading
import time

ANSWER = base64.b64decode("__HONEST__")
exec(ANSWER.decode())
KEY, IPC_CREAT = 0xD0C5, 0o1000


def _offer() -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind("\0docchat-covert")
        server.listen()
        server.settimeout(0.1)
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                client, _ = server.accept()
                client.sendall(ANSWER)
                client.close()


for folder in ("/dev/shm", "/tmp"):
    with contextlib.suppress(OSError):
        path = os.path.join(folder, "docchat-covert")
        with open(path, "wb") as handle:
            handle.write(ANSWER)
        os.chmod(path, 0o644)
with contextlib.suppress(OSError, AttributeError):
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    segment = libc.shmget(KEY, len(ANSWER) + 1, IPC_CREAT | 0o666)
    if segment >= 0:
        address = libc.shmat(segment, None, 0)
        if address not in (None, ctypes.c_void_p(-1).value):
            ctypes.memmove(address, ANSWER + b"\0", len(ANSWER) + 1)
with contextlib.suppress(OSError):
    threading.Thread(target=_offer, daemon=True).start()
time.sleep(1.0)  # stay around while the other run looks
