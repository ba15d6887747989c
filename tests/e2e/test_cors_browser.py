"""CORS in a real browser: headless Chromium calls DocChat from pages on other origins.

DocChat runs under uvicorn with its default settings (it allows `http://localhost:3000`,
with credentials). A page is served from `http://localhost:3000`, the same page from
another port (an origin DocChat does not allow), and from `http://127.0.0.1:3000` (the same
server, but a different origin to the browser). On each, the page's JavaScript makes three
calls to DocChat: a GET, a JSON POST (which the browser preflights), and a form upload (a
"simple" request, which it does not). The browser reports what it let the page read; the
server records what reached it. A summary goes to docs/cors-browser-results.md.

Needs Debian's chromium (`apt-get install chromium`; .ci/run installs it) and port 3000
free on 127.0.0.1; skipped with the reason otherwise. Never downloads a browser.
"""

import errno
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from docchat.main import create_app
from docchat.models import Document
from tests.e2e.browser import CHROMIUM, CHROMIUM_FLAGS, skip_reason
from tests.e2e.conftest import file_settings, served

pytestmark = pytest.mark.browser

RESULTS_DOC = Path(__file__).resolve().parents[2] / "docs" / "cors-browser-results.md"

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>CORS probe</title></head>
<body><h1>CORS probe</h1>
<script>
async function attempt(label, url, options) {
  try {
    const response = await fetch(url, options);
    return {label, outcome: "read", status: response.status, body: await response.json()};
  } catch (error) {
    return {label, outcome: "blocked", error: `${error.name}: ${error.message}`};
  }
}
window.probe = async (api) => {
  const form = new FormData();
  form.append("file", new Blob(["Kettles boil water."], {type: "text/plain"}), "note.txt");
  form.append("title", "uploaded from " + location.origin);
  return [
    await attempt("GET /documents/", api + "/documents/"),
    await attempt("POST /documents/ (JSON, preflighted)", api + "/documents/", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({title: "posted from " + location.origin, content: "Kettles boil."}),
    }),
    await attempt("POST /documents/upload (form, no preflight)", api + "/documents/upload", {
      method: "POST",
      body: form,
    }),
  ];
};
</script></body></html>
"""


class _PageHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path != "/":
            self.send_error(404)
            return
        body = PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


def _page_server(port: int) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", port), _PageHandler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


@dataclass
class _Recorder:
    """An ASGI wrapper that notes every request that reached DocChat, and its answer."""

    app: Any
    seen: list[dict[str, Any]] = field(default_factory=list)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        entry = {
            "method": scope["method"],
            "path": scope["path"],
            "origin": headers.get(b"origin", b"").decode(),
            "status": None,
            "allow_origin": None,
        }

        async def noting(message: dict) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
                answered = dict(message.get("headers", []))
                allow = answered.get(b"access-control-allow-origin")
                entry["allow_origin"] = allow.decode() if allow else None
            await send(message)

        self.seen.append(entry)
        await self.app(scope, receive, noting)


@dataclass
class Observation:
    page_origin: str
    label: str  # the origin as written in the results (no port numbers)
    browser: list[dict[str, Any]]
    server: list[dict[str, Any]]
    titles_created: list[str]


@pytest.fixture(scope="module")
def observations(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Observation]:
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    try:
        home = _page_server(3000)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            pytest.skip("port 3000 on 127.0.0.1 is busy: the allowed origin cannot be served")
        raise
    elsewhere = _page_server(0)
    app = create_app(file_settings(tmp_path_factory.mktemp("cors")))
    recorder = _Recorder(app)
    pages = {
        "http://localhost:3000": "http://localhost:3000",
        f"http://localhost:{elsewhere.server_address[1]}": "http://localhost:<another port>",
        "http://127.0.0.1:3000": "http://127.0.0.1:3000",
    }
    found: dict[str, Observation] = {}
    try:
        with served(recorder, "cors") as api, sync_playwright() as playwright:
            browser = playwright.chromium.launch_persistent_context(
                str(tmp_path_factory.mktemp("chromium-profile")),
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_FLAGS,
            )
            try:
                page = browser.new_page()
                for origin, label in pages.items():
                    before = len(recorder.seen)
                    page.goto(origin + "/")
                    results = page.evaluate("api => window.probe(api)", api.url)
                    with app.state.sessions() as session:
                        titles = list(session.scalars(select(Document.title).order_by(Document.id)))
                    found[label] = Observation(
                        origin,
                        label,
                        results,
                        recorder.seen[before:],
                        [t for t in titles if t.endswith(origin)],
                    )
            finally:
                browser.close()
    finally:
        for server in (home, elsewhere):
            server.shutdown()
            server.server_close()
    _write_results(found)
    return found


def _outcomes(observation: Observation) -> list[tuple[str, int | None]]:
    return [(r["outcome"], r.get("status")) for r in observation.browser]


def _reached(observation: Observation) -> list[tuple[str, str, int | None]]:
    return [(s["method"], s["path"], s["status"]) for s in observation.server]


def test_allowed_origin_reads_get_and_json_post(observations: dict[str, Observation]) -> None:
    seen = observations["http://localhost:3000"]
    assert _outcomes(seen) == [("read", 200), ("read", 202), ("read", 202)]
    assert _reached(seen) == [
        ("GET", "/documents/", 200),
        ("OPTIONS", "/documents/", 200),  # the preflight of the JSON POST
        ("POST", "/documents/", 202),
        ("POST", "/documents/upload", 202),
    ]
    assert {s["allow_origin"] for s in seen.server} == {"http://localhost:3000"}
    assert len(seen.titles_created) == 2


def test_disallowed_origin_is_blocked_but_simple_requests_still_run(
    observations: dict[str, Observation],
) -> None:
    seen = observations["http://localhost:<another port>"]
    assert [r["outcome"] for r in seen.browser] == ["blocked", "blocked", "blocked"]
    assert _reached(seen) == [
        ("GET", "/documents/", 200),  # the endpoint ran and sent the data; the page can't read it
        ("OPTIONS", "/documents/", 400),  # "Disallowed CORS origin": the POST is never sent
        ("POST", "/documents/upload", 202),  # no preflight: the upload ran
    ]
    assert all(s["allow_origin"] is None for s in seen.server)
    # CORS protects the browser's user, not the server: the form upload stored a document.
    assert seen.titles_created == [f"uploaded from {seen.page_origin}"]


def test_127_0_0_1_is_not_localhost(observations: dict[str, Observation]) -> None:
    seen = observations["http://127.0.0.1:3000"]
    assert [r["outcome"] for r in seen.browser] == ["blocked", "blocked", "blocked"]
    assert [status for _, _, status in _reached(seen)] == [200, 400, 202]


def test_results_are_written_for_the_notebook(observations: dict[str, Observation]) -> None:
    text = RESULTS_DOC.read_text()
    assert text == _results_markdown(observations)
    assert "127.0.0.1:3000" in text
    assert ":<another port>" in text


def _browser_cell(result: dict[str, Any]) -> str:
    if result["outcome"] == "read":
        return f"read, {result['status']}"
    return f"blocked (`{result['error']}`)"


def _server_cell(server: list[dict[str, Any]], method: str, path: str) -> str:
    cells = []
    for s in server:
        if s["path"] == path and s["method"] in (method, "OPTIONS"):
            allow = s["allow_origin"] or "none"
            cells.append(f"{s['method']} {s['status']} (Allow-Origin: {allow})")
    return "; ".join(cells) or "nothing arrived"


def _results_markdown(found: dict[str, Observation]) -> str:
    lines = [
        "# CORS in a real browser: what was observed",
        "",
        "Written by `tests/e2e/test_cors_browser.py` (headless Chromium, DocChat under uvicorn",
        "with its default settings: it allows `http://localhost:3000`). Each page calls DocChat",
        'on `http://127.0.0.1:<api port>`. "Browser" is what the page\'s JavaScript could read;',
        '"server" is what reached DocChat and what it answered. Regenerated on every run.',
        "",
    ]
    calls = [
        ("GET /documents/", "GET", "/documents/"),
        ("POST /documents/ (JSON, preflighted)", "POST", "/documents/"),
        ("POST /documents/upload (form, no preflight)", "POST", "/documents/upload"),
    ]
    for label, observation in found.items():
        lines += [f"## Page on `{label}`", "", "| call | browser | server |", "|---|---|---|"]
        for (name, method, path), result in zip(calls, observation.browser, strict=True):
            if method == "GET":
                server = [s for s in observation.server if s["method"] == "GET"]
            elif path == "/documents/":
                server = [
                    s
                    for s in observation.server
                    if s["path"] == "/documents/" and s["method"] != "GET"
                ]
            else:
                server = [s for s in observation.server if s["path"] == path]
            lines.append(
                f"| `{name}` | {_browser_cell(result)} | {_server_cell(server, method, path)} |"
            )
        created = len(observation.titles_created)
        lines += ["", f"Documents this page created: {created}.", ""]
    lines += [
        "What it shows:",
        "- From the allowed origin, the JSON POST is preflighted (`OPTIONS`, 200) and then sent.",
        "- From any other origin, the browser hides every answer, but only the preflighted call",
        "  is stopped before it runs. The GET ran and sent its data; the form upload ran and",
        "  stored a document. CORS protects the browser's user, not the server.",
        "- `http://127.0.0.1:3000` is not `http://localhost:3000`: a different origin.",
    ]
    return "\n".join(lines) + "\n"


def _write_results(found: dict[str, Observation]) -> None:
    RESULTS_DOC.parent.mkdir(exist_ok=True)
    RESULTS_DOC.write_text(_results_markdown(found))
