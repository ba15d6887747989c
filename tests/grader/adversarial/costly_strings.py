"""Threat: cost the judge with a body its value counter scans in quadratic time. The honest answer
is loaded, but every request is answered with 40,000 escaped quotes in a string that never ends,
then 20,001 commas. The judge cut strings out with one backtracking pattern that restarted at
every quote: about a minute of its GIL per body read, and the honest learners' runs in the same
class timed out. Deserves: 0 (no answer is right), and no time of anyone else's.
"""

import base64

from starlette.applications import Starlette

exec(base64.b64decode("__HONEST__").decode())

_BODY = b'"' + b'\\"a' * 39_999 + b"\\\n" + b"," * 20_001


async def _costly(self, scope, receive, send):
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": _BODY})


Starlette.__call__ = _costly
