"""What a worker's frames may do to the judge: cost it little to parse (bounded by the number of
values, costly_frames), answer only what was asked, and never name the run's status."""

import base64
import json
import socket
import struct
import time

import pytest

from docchat_lab.grading import protocol
from docchat_lab.grading.protocol import MAX_VALUES, ProtocolError, parse_json, recv_frame
from docchat_lab.grading.server_link import WorkerHandle
from docchat_lab.grading.subject import CheckFailedError, ExerciseAbortedError, Response, Subject

BOMBS = {
    "lists": b"[" + b"[]," * 5_500_000 + b"[]]",
    "objects": b"[" + b"{}," * 5_500_000 + b"{}]",
    "keys": b"{" + b",".join(b'"%d":0' % i for i in range(200_000)) + b"}",
    "deep": b"[" * 15_000 + b"]" * 15_000,
    "long integer": b"[" + b"7" * 100_000 + b"]",
}


@pytest.mark.parametrize("data", BOMBS.values(), ids=list(BOMBS))
def test_json_too_costly_to_parse_is_refused_at_once(
    data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[bytes] = []
    real_loads = protocol.json.loads
    monkeypatch.setattr(protocol.json, "loads", lambda d: parsed.append(d) or real_loads(d))
    with pytest.raises(ProtocolError):
        parse_json(data)
    # Counted and refused before any parsing, except what json itself refuses at once (too deep,
    # an integer too long to convert).
    assert not parsed or data.startswith((b"[[[", b"[7"))


def test_honest_frames_parse_as_before() -> None:
    reply = {
        "id": "a1",
        "ok": True,
        "status": 200,
        "headers": [["content-type", "application/json"]] * 50,
        "body": base64.b64encode(b'{"items": [1, 2, 3]}' * 100_000).decode(),
        "value": {"outcomes": {f"test_{i}": {"outcome": "passed"} for i in range(1000)}},
    }
    assert parse_json(json.dumps(reply).encode()) == reply
    assert parse_json(json.dumps(list(range(MAX_VALUES))).encode())[-1] == MAX_VALUES - 1


def test_text_full_of_commas_is_one_value() -> None:
    """A document's prose (commas, brackets, escaped quotes) in a body is text, not values."""
    prose = 'Descale it, [monthly], {with "vinegar"}, then rinse. ' * (MAX_VALUES // 2)
    body = {"id": 7, "content": prose, "title": "Kettle, care"}
    assert parse_json(json.dumps(body).encode()) == body


ESCAPES = ["\\", '\\"', "\\\\", '"', "\n", "\u2028", "\\\n"]


@pytest.mark.parametrize("escape", ESCAPES)
def test_escapes_never_hide_values_nor_make_text_count(escape: str) -> None:
    """Whatever a string escapes, the values outside it are counted and those inside are not."""
    text = (escape + ", [x], {y}") * MAX_VALUES  # three times too many, were they values
    assert parse_json(json.dumps({"content": text}).encode()) == {"content": text}
    with pytest.raises(ProtocolError, match="values"):
        parse_json(json.dumps([text, *range(MAX_VALUES)]).encode())


def test_a_string_that_never_ends_is_refused_not_scanned_from_every_quote() -> None:
    """costly_strings: escaped quotes and no closing quote. The commas after it are counted."""
    body = b'"' + b'\\"a' * 39_999 + b"\\\n" + b"," * 20_001
    assert protocol._values(body) == 20_001
    with pytest.raises(ProtocolError, match="values"):
        parse_json(body)


def _frame(message: bytes) -> bytes:
    return struct.pack("!I", len(message)) + message


def test_a_costly_frame_is_a_protocol_error() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.sendall(_frame(b"[" + b"{}," * (MAX_VALUES + 1) + b"{}]"))  # fits the buffer
        with pytest.raises(ProtocolError):
            recv_frame(ours, time.monotonic() + 10)


def _aborted_by(frame: bytes) -> ExerciseAbortedError:
    """How a request ends when the worker's next frame is `frame`."""
    ours, theirs = socket.socketpair()
    with ours, theirs:
        handle = WorkerHandle("r1", ours, None)  # type: ignore[arg-type]
        subject = Subject(handle, {}, {}, time.monotonic() + 10)
        theirs.sendall(_frame(frame))
        with pytest.raises(ExerciseAbortedError) as aborted:
            subject.get("/")
    return aborted.value


def test_an_answer_to_no_request_aborts_the_exercise() -> None:
    assert _aborted_by(b'{"id": "not-asked", "ok": true, "status": 200}').kind == "protocol"


def test_a_costly_body_fails_its_check_without_being_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = base64.b64encode(BOMBS["lists"][:3_000_000] + b"[]]").decode()
    response = Response("GET /", {"status": 200, "body": body})
    monkeypatch.setattr(protocol.json, "loads", lambda _data: pytest.fail("it was parsed"))
    with pytest.raises(CheckFailedError, match="more than"):
        response.json()


def test_a_worker_cannot_name_its_own_status() -> None:
    assert _aborted_by(b'{"op": "fatal", "kind": "grader"}').kind == "memory"
