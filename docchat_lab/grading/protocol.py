"""Length-prefixed JSON frames between the judge and a worker, with hard limits.

Only JSON crosses this line: whatever a submission returns becomes plain data here, so no
object of its making (an `__eq__` that is always true, say) ever reaches a check.
"""

import asyncio
import json
import re
import socket
import struct
import time
from typing import Any

MAX_FRAME = 16 * 1024 * 1024
# Parsing costs the judge memory and held-GIL time per value, not per byte: 16 MB of `[],`
# made 470 MB and 2.5 s of one thread, starving every other run's timings. No honest frame or
# body comes near this many values (bodies travel as base64, which has no , [ or {).
MAX_VALUES = 20_000
_HEADER = struct.Struct("!I")


class ProtocolError(Exception):
    """The other side sent something that is not a frame, or hung up."""


class ChannelClosedError(ProtocolError):
    pass


class ChannelTimeoutError(ProtocolError):
    pass


# Strings are cut out in two linear passes. One pattern for a string with its escapes backtracks:
# a body of 40,000 escaped quotes and no end made it restart at every quote (quadratic), which
# held the judge's GIL for a minute and timed out other learners' runs.
_ESCAPE = re.compile(rb"\\.", re.DOTALL)  # a backslash and what it escapes, newline included
_STRING = re.compile(rb'"[^"]*"')  # escapes gone: a match ends at the next quote, or none is left


def _values(data: bytes) -> int:
    """At least the number of values in `data`, if it is JSON; counted without parsing it."""
    rough = data.count(b",") + data.count(b"[") + data.count(b"{")
    if rough <= MAX_VALUES:
        return rough
    if data.count(b'"') > 2 * MAX_VALUES:
        return rough  # more strings than that are more values than that
    # Commas in text (a document's prose) are not values: count outside the strings only. In
    # JSON a backslash only appears inside a string, so dropping escapes changes nothing outside.
    bare = _STRING.sub(b"", _ESCAPE.sub(b"", data))
    return bare.count(b",") + bare.count(b"[") + bare.count(b"{")


def parse_json(data: bytes) -> Any:
    """`data` as JSON, refused (ProtocolError) when it holds too many values to parse cheaply."""
    if _values(data) > MAX_VALUES:
        raise ProtocolError(f"JSON of more than {MAX_VALUES} values")
    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # not JSON, too-long integers, too deep
        raise ProtocolError("not valid JSON") from None


def _message(data: bytes) -> dict[str, Any]:
    message = parse_json(data)
    if not isinstance(message, dict):
        raise ProtocolError("a frame that is not a JSON object")
    return message


def encode_frame(message: dict[str, Any]) -> bytes:
    data = json.dumps(message, separators=(",", ":")).encode()
    if len(data) > MAX_FRAME:
        raise ProtocolError(f"frame of {len(data)} bytes is over the limit")
    return _HEADER.pack(len(data)) + data


def send_frame(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.sendall(encode_frame(message))


def _recv_exact(sock: socket.socket, size: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChannelTimeoutError("no answer in time")
            sock.settimeout(left)
        try:
            chunk = sock.recv(min(remaining, 1 << 20))
        except TimeoutError:
            raise ChannelTimeoutError("no answer in time") from None
        except OSError as exc:
            raise ChannelClosedError(f"connection lost ({exc.strerror})") from None
        if not chunk:
            raise ChannelClosedError("the other side hung up")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def recv_frame(sock: socket.socket, deadline: float | None = None) -> dict[str, Any]:
    (size,) = _HEADER.unpack(_recv_exact(sock, _HEADER.size, deadline))
    if size > MAX_FRAME:
        raise ProtocolError(f"frame of {size} bytes announced; the limit is {MAX_FRAME}")
    return _message(_recv_exact(sock, size, deadline))


async def _recv_exact_async(
    loop: asyncio.AbstractEventLoop, sock: socket.socket, size: int
) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = await loop.sock_recv(sock, min(size - len(data), 1 << 20))
        if not chunk:
            raise ChannelClosedError("the other side hung up")
        data.extend(chunk)
    return bytes(data)


async def recv_frame_async(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> dict[str, Any]:
    """recv_frame for a non-blocking socket on a running event loop."""
    (size,) = _HEADER.unpack(await _recv_exact_async(loop, sock, _HEADER.size))
    if size > MAX_FRAME:
        raise ProtocolError(f"frame of {size} bytes announced; the limit is {MAX_FRAME}")
    return _message(await _recv_exact_async(loop, sock, size))


async def send_frame_async(
    loop: asyncio.AbstractEventLoop, sock: socket.socket, message: dict[str, Any]
) -> None:
    await loop.sock_sendall(sock, encode_frame(message))
