"""A real JupyterLab in a real browser, started as the README's first command starts it.

`docchat-lab lab` (the environment's own script) runs in a copy of the project, so autosave never
touches the repository, with a token, a free port and no browser of its own; headless Chromium
then works as a learner does: Run All in two notebooks, an exercise opened from the file browser,
and `docchat-lab check` typed into a JupyterLab terminal. Skipped with the reason when Chromium
or Playwright is missing.
"""

import json
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import nbformat
import pytest

from tests.e2e.browser import CHROMIUM, CHROMIUM_FLAGS, skip_reason

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ["01_dependencies.ipynb", "08_testing.ipynb"]
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv*", "__pycache__", ".docchat-lab", "*.db", ".work", "*_cache", "kernel-ipc-*"
)
pytestmark = pytest.mark.browser


@dataclass
class Lab:
    base: str
    token: str
    project: Path
    runtime: Path

    def url(self, path: str = "") -> str:
        return f"{self.base}/lab{path}?reset&token={self.token}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _settings(home: Path) -> Path:
    """JupyterLab's user settings, private to this test."""
    settings = home / "settings" / "@jupyterlab"
    # Render every cell (JupyterLab otherwise attaches only those on screen), so all are checked.
    tracker = settings / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    # A terminal draws on a canvas; its screen-reader mode also keeps its text in the page.
    terminal = settings / "terminal-extension" / "plugin.jupyterlab-settings"
    terminal.parent.mkdir(parents=True)
    terminal.write_text(json.dumps({"screenReaderMode": True}))
    return settings.parent


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if reason := skip_reason():
        pytest.skip(reason)
    home = tmp_path_factory.mktemp("lab")
    project = home / "docchat-lab"
    shutil.copytree(ROOT, project, ignore=NOT_COPIED)
    token, port = secrets.token_hex(16), _free_port()
    # The README's first command ends with `.venv/bin/docchat-lab lab`: this environment's own.
    command = [str(Path(sys.executable).with_name("docchat-lab")), "lab", "--no-browser"]
    command += [f"--port={port}", f"--IdentityProvider.token={token}"]
    command += ["--ServerApp.port_retries=0", "--LabApp.news_url="]
    command += ["--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    env = {
        **_clean_environ(),
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        "JUPYTERLAB_SETTINGS_DIR": str(_settings(home)),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    with subprocess.Popen(
        command, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as server:
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for_server(server, base, token)
            yield Lab(base, token, project, home / "runtime")
        finally:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _clean_environ() -> dict[str, str]:
    """This process's environment, minus what would point the lab elsewhere."""
    import os

    skip = {
        "DOCCHAT_LAB_ROOT",
        "DOCCHAT_LAB_EDITION",
        "PYTHONPATH",
        "JUPYTER_PATH",
        "JUPYTER_DATA_DIR",
    }
    return {k: v for k, v in os.environ.items() if k not in skip}


def _wait_for_server(server: subprocess.Popen[bytes], base: str, token: str) -> None:
    deadline = time.monotonic() + 90
    while True:
        if server.poll() is not None:
            pytest.fail(f"docchat-lab lab exited with code {server.returncode}")
        try:
            if httpx2.get(f"{base}/api/status?token={token}", timeout=2).status_code == 200:
                return
        except httpx2.HTTPError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("docchat-lab lab did not start within 90 s")
        time.sleep(0.3)


def _wait_for_idle_kernel(page, lab: Lab, notebook: str) -> None:  # type: ignore[no-untyped-def]
    """The server has started the notebook's kernel and the page shows it idle."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        sessions = httpx2.get(f"{lab.base}/api/sessions?token={lab.token}", timeout=5).json()
        states = [s["kernel"]["execution_state"] for s in sessions if s["path"].endswith(notebook)]
        if states == ["idle"]:
            break
        time.sleep(0.3)
    else:
        pytest.fail(f"the kernel of {notebook} did not become idle")
    page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for(timeout=60_000)


def _menu(page, *path: str) -> None:  # type: ignore[no-untyped-def]
    for name in path:
        page.get_by_role("menuitem", name=name, exact=True).first.click()


def _run_all(page) -> None:  # type: ignore[no-untyped-def]
    """Run > Run All Cells, as a learner would; again if nothing started (a busy machine)."""
    started = (
        "() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
        ".some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))"
    )
    for _attempt in range(3):
        _menu(page, "Run", "Run All Cells")
        try:
            page.wait_for_function(started, timeout=30_000)
            return
        except Exception:
            continue
    pytest.fail("Run All Cells started nothing, three times")


@pytest.fixture
def page(lab: Lab) -> Iterator:  # type: ignore[type-arg]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 1000})
        finally:
            browser.close()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_run_all_in_jupyterlab_shows_no_error(
    lab: Lab, page, notebook: str, tmp_path: Path
) -> None:
    page.goto(lab.url(f"/tree/notebooks/{notebook}"), timeout=60_000)
    panel = page.locator(".jp-NotebookPanel").first
    panel.wait_for(timeout=60_000)
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
        timeout=60_000
    )
    expected = sum(
        1
        for c in nbformat.read(ROOT / "notebooks" / notebook, as_version=4).cells
        if c.cell_type == "code"
    )
    # Every code cell rendered (under load, JupyterLab takes its time).
    page.wait_for_function(
        "n => document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell').length >= n",
        arg=expected,
        timeout=60_000,
    )
    _wait_for_idle_kernel(page, lab, notebook)
    _run_all(page)
    # Done when every code cell has an execution count and none is queued or running.
    try:
        page.wait_for_function(
            """() => {
                const prompts = [...document.querySelectorAll(
                    '.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')];
                const done = p => /\\[\\d+\\]/.test(p.textContent);
                return prompts.length > 0 && prompts.every(done);
            }""",
            timeout=240_000,
        )
    except Exception:
        prompts = panel.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()
        page.screenshot(path=str(tmp_path / f"{notebook}-stuck.png"))
        pytest.fail(f"Run All did not finish in {notebook}; prompts: {prompts}")
    errors = panel.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    shown = [errors.nth(i).inner_text()[:300] for i in range(errors.count())]
    page.screenshot(path=str(tmp_path / f"{notebook}.png"), full_page=False)
    assert shown == [], f"cells with errors or stderr in {notebook}: {shown}"


def test_the_lab_opens_notebook_00_first(lab: Lab) -> None:
    # What a browser is sent to when the lab starts (`--no-browser` only skips the sending).
    [opener] = lab.runtime.glob("jpserver-file-to-run-*-open.html")
    assert "/lab/tree/notebooks/00_start_here.ipynb" in opener.read_text(encoding="utf-8")


@pytest.mark.timeout(300)
def test_the_file_browser_opens_an_exercise_from_the_project(lab: Lab, page) -> None:
    page.goto(lab.url(), timeout=60_000)
    listing = page.locator(".jp-DirListing-content")
    for entry in ("README.md", "notebooks", "exercises"):  # the lab's root is the project
        listing.get_by_text(entry, exact=True).first.wait_for(timeout=60_000)
    listing.get_by_text("exercises", exact=True).first.dblclick()
    listing.get_by_text("ex03_routers.py", exact=True).first.dblclick()
    editor = page.locator(".jp-FileEditor .cm-content").first
    editor.wait_for(timeout=60_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-FileEditor .cm-content')]"
        ".some(e => e.textContent.includes('def create_app('))",
        timeout=60_000,
    )


@pytest.mark.timeout(300)
def test_a_jupyterlab_terminal_runs_docchat_lab_check(lab: Lab, page, tmp_path: Path) -> None:
    page.goto(lab.url(), timeout=60_000)
    # The launcher, as JupyterLab shows it on a fresh workspace: its Terminal card.
    page.locator(".jp-LauncherCard", has_text="Terminal").first.click(timeout=60_000)
    terminal = page.locator(".jp-Terminal").first
    terminal.wait_for(timeout=60_000)
    text = (
        "() => [...document.querySelectorAll('.jp-Terminal .xterm-accessibility-tree')]"
        ".map(t => t.innerText).join('\\n')"
    )
    page.wait_for_function(f"() => ({text})().includes('$') || ({text})().includes('#')")
    terminal.click()
    page.keyboard.type("docchat-lab check ex03\n")
    try:
        page.wait_for_function(f"() => /ex03 · .*checks passed/.test(({text})())", timeout=180_000)
    except Exception:
        page.screenshot(path=str(tmp_path / "terminal.png"))
        pytest.fail(f"no check table in the terminal: {page.evaluate(text)[-1000:]!r}")
    shown = page.evaluate(text)
    assert "command not found" not in shown
    assert "✘ router serves its paths under the prefix once" in shown  # the stub's checks


def _reference_build_cell(relative: str, names: list[str]) -> str:
    """What a learner who got the stage right types into its build cell."""
    from docchat_lab.stages import definitions, package

    text = package.snapshot(package.LAST_STAGE)[relative]
    bodies = [definitions.source_of(text, name) or "" for name in names]
    return f"%%build {relative}\n" + "\n\n".join(b.rstrip("\n") + "\n" for b in bodies)


@pytest.mark.timeout(420)
def test_a_learner_fills_in_a_build_step_and_its_check_passes(
    lab: Lab, page, tmp_path: Path
) -> None:
    notebook = "01_dependencies.ipynb"
    page.goto(lab.url(f"/tree/notebooks/{notebook}"), timeout=60_000)
    panel = page.locator(".jp-NotebookPanel").first
    panel.wait_for(timeout=60_000)
    _wait_for_idle_kernel(page, lab, notebook)
    # The cells before the build step: the kernel's setup creates the learner's package.
    _run_all(page)
    done = """() => [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')]
        .every(p => /\\[\\d+\\]/.test(p.textContent))"""
    page.wait_for_function(done, timeout=240_000)
    mine = lab.project / "my_docchat" / "api" / "deps.py"
    stub = 'NotImplementedError("stage 01: pagination() is not written yet")'
    assert stub in mine.read_text(encoding="utf-8")
    # Type the answer into the build cell, as a learner would, and run it.
    build = panel.locator(".jp-CodeCell", has_text="%%build api/deps.py").first
    build.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(_reference_build_cell("api/deps.py", ["pagination", "get_document"]))
    page.keyboard.press("Shift+Enter")
    build.locator(".jp-OutputArea-output", has_text="Wrote").wait_for(timeout=120_000)
    assert stub not in mine.read_text(encoding="utf-8")
    # Its check, run again from the notebook, now passes.
    checked = panel.locator(".jp-CodeCell", has_text='check("01")').first
    checked.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    try:
        checked.locator(".jp-OutputArea-output", has_text="10/10 points").wait_for(timeout=180_000)
    except Exception:
        page.screenshot(path=str(tmp_path / "build-step.png"))
        pytest.fail(f"the check did not pass: {checked.inner_text()[-1500:]!r}")
