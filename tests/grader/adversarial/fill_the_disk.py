"""Threat: fill /tmp, /dev/shm and the work folder, then work honestly. They used to be
shared by every run of a session, so one submission made later runs fail to write their files
("crashed"). Deserves: full marks (it did the work), and no other run notices.
"""

import base64
import os

chunk = b"x" * (1 << 20)
for folder in ("/tmp", "/dev/shm", "/var/tmp", os.getcwd(), os.environ.get("TMPDIR", "/tmp")):
    for n in range(400):
        try:
            with open(os.path.join(folder, f"fill-{os.getpid()}-{n}"), "wb") as handle:
                handle.write(chunk)
        except OSError:
            break

exec(base64.b64decode("__HONEST__").decode())
