"""DocChat's contract, walked over HTTP against any running server: the reference or yours.

Upload a document, see it become ready, ask about it and get an answer that cites it, read it,
list it, delete it. Each step says what was sent, what came back, and what was expected.
"""

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2

READY_WITHIN_S = 30.0


@dataclass
class Step:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class ContractResult:
    steps: list[Step] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.steps) and all(step.ok for step in self.steps)

    def __repr__(self) -> str:
        lines = [
            f"{'✔' if s.ok else '✘'} {s.name}" + (f": {s.detail}" if s.detail else "")
            for s in self.steps
        ]
        verdict = "passes" if self.passed else "does not pass yet"
        return "\n".join([f"The DocChat contract {verdict}:", *lines])


class _StopError(Exception):
    pass


def _expect(result: ContractResult, name: str, condition: bool, detail: str) -> None:
    result.steps.append(Step(name, condition, "" if condition else detail))
    if not condition:
        raise _StopError


def _summary(response: httpx2.Response) -> str:
    return f"{response.status_code} {response.text[:160]!r}"


def _wait_ready(client: httpx2.Client, document_id: int, sleep: Callable[[float], None]) -> Any:
    deadline = time.monotonic() + READY_WITHIN_S
    body: Any = {}
    while time.monotonic() < deadline:
        body = client.get(f"/documents/{document_id}").json()
        if body.get("status") in ("ready", "failed"):
            return body
        sleep(0.05)
    return body


def walk(base_url: str, *, sleep: Callable[[float], None] = time.sleep) -> ContractResult:
    """Walk the contract against the server at `base_url`; stop at the first broken step."""
    result = ContractResult()
    word = f"zephyr{secrets.token_hex(3)}"
    content = f"The {word} valve must be checked every spring. Oil the hinge twice a year."
    limits = httpx2.Limits(max_keepalive_connections=0)  # uvicorn drops a connection after a 500
    with httpx2.Client(base_url=base_url, timeout=30, limits=limits) as client:
        try:
            _steps(client, result, word, content, sleep)
        except _StopError:
            pass
        except httpx2.HTTPError as exc:
            result.steps.append(Step("the server answers", False, f"{type(exc).__name__}: {exc}"))
    return result


def _steps(
    client: httpx2.Client,
    result: ContractResult,
    word: str,
    content: str,
    sleep: Callable[[float], None],
) -> None:
    created = client.post("/documents/", json={"title": "Valve notes", "content": content})
    _expect(
        result,
        "POST /documents/ answers 202 with an id and status pending",
        created.status_code == 202
        and created.json().get("status") == "pending"
        and isinstance(created.json().get("id"), int),
        f"got {_summary(created)}",
    )
    document_id = created.json()["id"]
    done = _wait_ready(client, document_id, sleep)
    _expect(
        result,
        "the document becomes ready in the background",
        done.get("status") == "ready" and done.get("chunk_count", 0) >= 1,
        f"after {READY_WITHIN_S:.0f} s: {done}",
    )
    upload = client.post(
        "/documents/upload", files={"file": ("hinge.md", b"# Hinge\nOil it.", "text/markdown")}
    )
    _expect(
        result,
        "a Markdown upload is accepted the same way",
        upload.status_code == 202,
        f"got {_summary(upload)}",
    )
    asked = client.post("/chat/ask", json={"question": f"When is the {word} valve checked?"})
    body = asked.json() if asked.status_code == 200 else {}
    sources = body.get("sources") or []
    _expect(
        result,
        "POST /chat/ask answers from the document and cites it",
        asked.status_code == 200
        and "[1]" in str(body.get("answer"))
        and any(s.get("document_id") == document_id for s in sources),
        f"got {_summary(asked)}",
    )
    listed = client.get("/documents/", params={"limit": 100})
    _expect(
        result,
        "GET /documents/ lists it",
        listed.status_code == 200 and any(d.get("id") == document_id for d in listed.json()),
        f"got {_summary(listed)}",
    )
    bad = client.get("/documents/", params={"limit": 0})
    _expect(result, "a bad page is a 422", bad.status_code == 422, f"got {_summary(bad)}")
    gone = client.delete(f"/documents/{document_id}")
    after = client.get(f"/documents/{document_id}")
    _expect(
        result,
        "DELETE answers 204, then the document is a 404",
        gone.status_code == 204 and after.status_code == 404,
        f"got {_summary(gone)}, then {_summary(after)}",
    )
