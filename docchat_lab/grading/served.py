"""The judge's side of a served-app run: the learner's tests, once per variant of a kit app.

For each variant the judge chooses, a test process of its own loads the learner's files and runs
the learner's tests against exactly one app, reached as an HTTP client. All the variants live
in one app process (another image, another uid), which the learner's processes cannot inspect.
The variants are shuffled, so neither a process's position nor its uid says which one it has.

What a test process reports is a claim ("my tests failed"); what the app process saw on that
connection is evidence. The judge decides from both: see docchat_lab/checks/served_verdicts.py.
"""

import base64
import random
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from docchat_lab.grading.isolation import SLOT_UIDS, Limits
from docchat_lab.grading.protocol import (
    ChannelTimeoutError,
    ProtocolError,
    recv_frame,
    send_frame,
)
from docchat_lab.grading.sandbox import Sandbox
from docchat_lab.grading.server_link import SandboxError, WorkerHandle

FIRST_TEST_PROCESS = 2  # uid index 0 is the learner's main process, 1 the app process


@dataclass
class RunContext:
    """What a check needs to start more processes for the same submission and exercise."""

    sandbox: Sandbox
    slot: int
    slug: str
    files: dict[str, bytes]
    inputs: dict[str, Any]
    limits: Limits


@dataclass
class ServedRun:
    variant: str
    claim: dict[str, Any] | None = None
    failure: str = ""
    load: dict[str, Any] | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


class ServedAppError(Exception):
    """The app process (the kit's own) stopped or did not answer."""


class ServedTimeoutError(Exception):
    """The learner's tests were still running when the exercise's time was up."""


def _start_test(handle: WorkerHandle, context: RunContext) -> None:
    encoded = {name: base64.b64encode(data).decode() for name, data in context.files.items()}
    send_frame(handle.sock, {"files": encoded, "params": context.inputs})


def _receive(handle: WorkerHandle, run: ServedRun, deadline: float) -> dict[str, Any] | None:
    """The test process's next frame; None, with the reason noted, when there is none."""
    try:
        return recv_frame(handle.sock, deadline)
    except ChannelTimeoutError:
        raise ServedTimeoutError from None
    except ProtocolError as exc:
        run.failure = f"its process stopped or sent something that is not an answer ({exc})"
    except OSError as exc:
        run.failure = f"its process stopped ({exc.strerror})"
    return None


def _call_tests(handle: WorkerHandle, run: ServedRun, probe: str, deadline: float) -> bool:
    """Once the test process has loaded the learner's files: ask it to run the tests."""
    hello = _receive(handle, run, deadline)
    if hello is None:
        return False
    if hello.get("op") != "hello":
        run.failure = "its process sent something unexpected"
        return False
    if isinstance(hello.get("load"), dict):
        run.load = hello["load"]
        return False
    try:
        send_frame(handle.sock, {"op": "call", "name": probe, "args": {}, "id": "tests"})
    except OSError as exc:
        run.failure = f"its process stopped ({exc.strerror})"
        return False
    return True


def _collect_claim(handle: WorkerHandle, run: ServedRun, deadline: float) -> None:
    reply = _receive(handle, run, deadline)
    if reply is None:
        return
    value = reply.get("value")
    if reply.get("ok") and isinstance(value, dict):
        run.claim = value
        return
    exception = reply.get("exception")
    info = exception if isinstance(exception, dict) else {}
    name, text = str(info.get("type"))[:100], str(info.get("message"))[:200]
    run.failure = f"running the tests raised {name}: {text}"


def run_served(
    context: RunContext,
    app: str,
    variants: list[str],
    probe: str,
    deadline: float,
    probes: dict[str, str] | None = None,
) -> list[ServedRun]:
    """Run the learner's tests once per variant of `app`; the runs in the order of `variants`.
    Each test process calls harness probe `probe`, or `probes[variant]` where there is one."""
    if len(variants) > SLOT_UIDS - FIRST_TEST_PROCESS:
        raise ValueError(f"at most {SLOT_UIDS - FIRST_TEST_PROCESS} variants")
    order = list(range(len(variants)))
    random.shuffle(order)  # position i runs variants[order[i]]
    runs = [ServedRun(variants[i]) for i in order]
    pairs = [socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM) for _ in runs]
    handles: list[WorkerHandle] = []
    try:
        app_handle = context.sandbox.spawn(
            "app", context.slot, index=1, extra=[a for a, _ in pairs]
        )
        handles.append(app_handle)
        for app_end, _ in pairs:
            app_end.close()
        send_frame(app_handle.sock, {"app": app, "variants": [r.variant for r in runs]})
        if recv_frame(app_handle.sock, deadline).get("op") != "ready":
            raise ServedAppError("the app did not start")
        tests = []
        for position, (_, test_end) in enumerate(pairs):
            handle = context.sandbox.spawn(
                "worker",
                context.slot,
                index=FIRST_TEST_PROCESS + position,
                extra=[test_end],
                args={"slug": context.slug},
                limits=context.limits,
            )
            test_end.close()
            handles.append(handle)
            tests.append(handle)
            _start_test(handle, context)
        # All load and run at once, each in its own process: first every start, then every claim.
        called = [
            _call_tests(h, r, (probes or {}).get(r.variant, probe), deadline)
            for h, r in zip(tests, runs, strict=True)
        ]
        for handle, run, running in zip(tests, runs, called, strict=True):
            if running:
                _collect_claim(handle, run, deadline)
        send_frame(app_handle.sock, {"op": "report"})
        reply = recv_frame(app_handle.sock, time.monotonic() + 10)
        evidence = reply.get("evidence")
        if not isinstance(evidence, list) or len(evidence) != len(runs):
            raise ServedAppError("the app sent no evidence")
        for run, seen in zip(runs, evidence, strict=True):
            run.evidence = seen if isinstance(seen, dict) else {}
    except ChannelTimeoutError:
        raise ServedAppError("the app your tests run against did not answer in time") from None
    except (ProtocolError, OSError, SandboxError) as exc:
        raise ServedAppError(f"the app your tests run against stopped ({exc})") from None
    finally:
        for pair in pairs:
            for end in pair:
                end.close()
        for handle in handles:
            handle.kill()
        for handle in handles:
            handle.exit_report()
            handle.sock.close()
    by_variant = sorted(range(len(runs)), key=lambda i: order[i])
    return [runs[i] for i in by_variant]
