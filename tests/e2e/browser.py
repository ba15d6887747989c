"""Headless Chromium for the browser tests: Debian's, never a downloaded one."""

import shutil
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
# What the machine needs for a headless Chromium as root with no network but loopback.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if shutil.which("chromium") is None and not Path(CHROMIUM).exists():
        return "chromium is not installed (Debian: apt-get install -y chromium; .ci/run does it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None
