"""A real JupyterLab in a real browser: open two notebooks, Run All, and no cell shows an error.

Starts `jupyter lab` on 127.0.0.1 with a token, on a copy of the notebooks (so autosave never
touches the repository), and drives it with headless Chromium through Playwright's menus, as a
learner would. Skipped with the reason when Chromium or Playwright is missing.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import nbformat
import pytest

from tests.e2e.browser import CHROMIUM, CHROMIUM_FLAGS, skip_reason

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ["00_start_here.ipynb", "01_dependencies.ipynb"]
pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if reason := skip_reason():
        pytest.skip(reason)
    home = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", home / "notebooks", ignore=shutil.ignore_patterns("src"))
    # Render every cell (JupyterLab otherwise attaches only those on screen), so all are checked.
    tracker = (
        home / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    )
    tracker.parent.mkdir(parents=True)
    tracker.write_text('{"windowingMode": "none"}')
    token, port = secrets.token_hex(16), _free_port()
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={home}",
        "--ServerApp.port_retries=0",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI containers run as root
    # The notebooks find the kit from their folder; the copy points them back at it.
    env = {
        **os.environ,
        "DOCCHAT_LAB_ROOT": str(ROOT),
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "ws"),
    }
    server = subprocess.Popen(
        command, cwd=home, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                pytest.fail(f"jupyter lab exited with code {server.returncode}")
            try:
                if httpx2.get(f"{base}/api/status?token={token}", timeout=2).status_code == 200:
                    break
            except httpx2.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("jupyter lab did not start within 90 s")
            time.sleep(0.3)
        yield f"{base}/lab/tree/notebooks/{{notebook}}?reset&token={token}"
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()


def _wait_for_idle_kernel(page, lab: str, notebook: str) -> None:  # type: ignore[no-untyped-def]
    """The server has started the notebook's kernel and the page shows it idle."""
    base, token = lab.split("/lab/")[0], lab.rsplit("token=", 1)[1]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        sessions = httpx2.get(f"{base}/api/sessions?token={token}", timeout=5).json()
        states = [s["kernel"]["execution_state"] for s in sessions if s["path"].endswith(notebook)]
        if states == ["idle"]:
            break
        time.sleep(0.3)
    else:
        pytest.fail(f"the kernel of {notebook} did not become idle")
    page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for(timeout=60_000)


def _run_all(page) -> None:  # type: ignore[no-untyped-def]
    """Run > Run All Cells, as a learner would; again if nothing started (a busy machine)."""
    started = (
        "() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
        ".some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))"
    )
    for _attempt in range(3):
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            page.wait_for_function(started, timeout=30_000)
            return
        except Exception:
            continue
    pytest.fail("Run All Cells started nothing, three times")


@pytest.mark.timeout(300)
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_run_all_in_jupyterlab_shows_no_error(lab: str, notebook: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(lab.format(notebook=notebook), timeout=60_000)
            panel = page.locator(".jp-NotebookPanel").first
            panel.wait_for(timeout=60_000)
            # The kernel is ready when the toolbar's status says so.
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
            errors = panel.locator(
                ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
            )
            shown = [errors.nth(i).inner_text()[:300] for i in range(errors.count())]
            page.screenshot(path=str(tmp_path / f"{notebook}.png"), full_page=False)
            assert shown == [], f"cells with errors or stderr in {notebook}: {shown}"
        finally:
            browser.close()
