"""What a check talks to: one exercise of one submission, running in a sandboxed worker.

Everything a check gets back is plain data parsed here, in the judge, from JSON bytes.
"""

import base64
import json
import secrets
import socket
import time
from collections.abc import Iterable
from typing import Any

from docchat_lab.grading.protocol import (
    ChannelClosedError,
    ChannelTimeoutError,
    ProtocolError,
    parse_json,
    recv_frame,
    send_frame,
)
from docchat_lab.grading.served import (
    RunContext,
    ServedAppError,
    ServedRun,
    ServedTimeoutError,
    run_served,
)
from docchat_lab.grading.server_link import WorkerHandle

NOT_IMPLEMENTED = "NotImplementedError"


class CheckFailedError(AssertionError):
    """A check did not pass. `kind` says why: assertion, not-implemented, missing, error."""

    def __init__(self, message: str, *, kind: str = "assertion", hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.hint = hint


class ExerciseAbortedError(Exception):
    """The worker had to be stopped: timeout, crashed, memory or protocol. Scores zero."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def learner_error(what: str, exception: dict[str, Any]) -> CheckFailedError:
    """A readable failure for an exception the submission's code raised."""
    name = str(exception.get("type", "Exception"))[:100]
    message = str(exception.get("message", ""))[:300]
    where = ""
    file = f"{str(exception['file'])[:200]}, " if exception.get("file") else ""
    if exception.get("line"):
        function = exception.get("function")
        inside = f", in {function}()" if function else ""
        where = f" ({file}line {exception['line']}{inside})"
    if name == NOT_IMPLEMENTED:
        where = f" ({file}line {exception['line']})" if exception.get("line") else ""
        # No request or value in the message: a stub's feedback must read the same every run.
        return CheckFailedError(
            f"not done yet: {message or 'NotImplementedError'}{where}", kind="not-implemented"
        )
    return CheckFailedError(f"{what} raised {name}{where}: {message}", kind="error")


class Headers:
    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._items = [(str(k).lower(), str(v)) for k, v in items]

    def get(self, name: str, default: str | None = None) -> str | None:
        name = name.lower()
        return next((v for k, v in self._items if k == name), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def __repr__(self) -> str:
        return repr(dict(self._items))


class Response:
    def __init__(self, request: str, reply: dict[str, Any]) -> None:
        self.request = request
        self.exception: dict[str, Any] | None = reply.get("exception")
        status = reply.get("status", 500)
        self.status_code = status if isinstance(status, int) and 100 <= status < 600 else 500
        headers = reply.get("headers")
        raw_headers: list[Any] = headers if isinstance(headers, list) else []
        pairs = [(h[0], h[1]) for h in raw_headers if isinstance(h, list) and len(h) == 2]
        self.headers = Headers(pairs)
        try:
            self.content = base64.b64decode(reply.get("body") or "")
        except (ValueError, TypeError):
            self.content = b""

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        self.raise_for_learner_error()
        try:
            return parse_json(self.content)
        except ProtocolError as exc:
            raise CheckFailedError(
                f"{self.request} answered {self.status_code} with a body that is {exc}: "
                f"{self.text[:120]!r}"
            ) from None

    def raise_for_learner_error(self) -> None:
        if self.exception is not None:
            raise learner_error(self.request, self.exception)

    def summary(self) -> str:
        body = self.text[:160].replace("\n", " ")
        return f"{self.status_code} {body}" if body else str(self.status_code)


class Subject:
    def __init__(
        self,
        handle: WorkerHandle | None,
        hello: dict[str, Any],
        params: dict[str, Any],
        deadline: float,
        context: RunContext | None = None,
        request_timeout: float = 10.0,
    ) -> None:
        self.handle = handle
        self.hello = hello
        self.params = params  # the judge's view: the worker's inputs and the secrets
        self.deadline = deadline
        self.context = context
        self.request_timeout = request_timeout
        self.memo: dict[str, Any] = {}  # what a check computed, for the exercise's next checks

    @property
    def sock(self) -> socket.socket:
        if self.handle is None:
            raise ExerciseAbortedError("grader", "this exercise has no process of the learner's")
        return self.handle.sock

    def _send(self, message: dict[str, Any]) -> str:
        message["id"] = secrets.token_hex(6)
        try:
            send_frame(self.sock, message)
        except OSError:
            raise ExerciseAbortedError("crashed", "the exercise's process stopped") from None
        return str(message["id"])

    def _wait(self, ids: list[str], timeout: float) -> dict[str, tuple[dict[str, Any], float]]:
        deadline = min(self.deadline, time.monotonic() + timeout)
        got: dict[str, tuple[dict[str, Any], float]] = {}
        while len(got) < len(ids):
            try:
                frame = recv_frame(self.sock, deadline)
            except ChannelTimeoutError:
                raise ExerciseAbortedError(
                    "timeout", "the exercise did not answer in time"
                ) from None
            except ChannelClosedError as exc:
                raise ExerciseAbortedError(
                    "crashed", f"the exercise's process stopped ({exc})"
                ) from None
            except ProtocolError as exc:
                raise ExerciseAbortedError("protocol", str(exc)) from None
            if frame.get("op") == "fatal":
                # Its only kind: a worker naming its own status could blame the grader.
                raise ExerciseAbortedError("memory", "the exercise ran out of memory")
            frame_id = frame.get("id")
            if not isinstance(frame_id, str) or frame_id not in ids or frame_id in got:
                # The worker answers each request once: anything else is a flood, whose parsing
                # would cost the judge (and every other run) time without end.
                raise ExerciseAbortedError("protocol", "an answer to no request was sent")
            got[frame_id] = (frame, time.monotonic())
        return got

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
        app: str = "main",
        timeout: float | None = None,
    ) -> Response:
        return self.concurrently(
            [
                dict(
                    method=method,
                    path=path,
                    json_body=json_body,
                    headers=headers,
                    content=content,
                    app=app,
                )
            ],
            timeout=timeout,
        )[0][0]

    def concurrently(
        self, requests: list[dict[str, Any]], timeout: float | None = None
    ) -> list[tuple[Response, float]]:
        """Send all requests at once; each answer with the seconds it took to arrive."""
        start = time.monotonic()
        sent: list[tuple[str, str]] = []
        for spec in requests:
            headers = dict(spec.get("headers") or {})
            content = spec.get("content")
            if spec.get("json_body") is not None:
                content = json.dumps(spec["json_body"]).encode()
                headers.setdefault("content-type", "application/json")
            label = f"{spec['method']} {spec['path']}"
            message = {
                "op": "http",
                "app": spec.get("app", "main"),
                "method": spec["method"],
                "path": spec["path"],
                "headers": [[k, v] for k, v in headers.items()],
                "body": base64.b64encode(content).decode() if content else None,
            }
            sent.append((self._send(message), label))
        replies = self._wait([i for i, _ in sent], timeout or self.request_timeout)
        out = []
        for request_id, label in sent:
            reply, arrived = replies[request_id]
            if not reply.get("ok", False):
                raise self._app_failure(label, reply)
            out.append((Response(label, reply), arrived - start))
        return out

    def _app_failure(self, label: str, reply: dict[str, Any]) -> CheckFailedError:
        exception = reply.get("exception") if isinstance(reply.get("exception"), dict) else {}
        what = "building the app" if reply.get("app_failed") else label
        return learner_error(what, exception or {})

    def call(self, probe: str, timeout: float | None = None, **args: Any) -> Any:
        """Run one of the harness's probes on the submission; its JSON result."""
        request_id = self._send({"op": "call", "name": probe, "args": args})
        reply, _ = self._wait([request_id], timeout or self.request_timeout)[request_id]
        if not reply.get("ok", False):
            raise learner_error(f"{probe.replace('_', ' ')}", reply.get("exception") or {})
        return reply.get("value")

    def served_runs(
        self, app: str, variants: list[str], probe: str, probes: dict[str, str] | None = None
    ) -> list[ServedRun]:
        """The learner's tests run once per variant of a kit app, each in a process of its own."""
        if self.context is None:
            raise ExerciseAbortedError("grader", "this exercise cannot start more processes")
        try:
            return run_served(self.context, app, variants, probe, self.deadline, probes)
        except ServedTimeoutError:
            raise ExerciseAbortedError("timeout", "the tests were still running") from None
        except ServedAppError as exc:
            raise ExerciseAbortedError("crashed", str(exc)) from None

    def get(self, path: str, **kw: Any) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Response:
        return self.request("POST", path, **kw)

    def delete(self, path: str, **kw: Any) -> Response:
        return self.request("DELETE", path, **kw)

    def options(self, path: str, **kw: Any) -> Response:
        return self.request("OPTIONS", path, **kw)
