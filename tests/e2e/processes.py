"""Server processes for the end-to-end tests, each in a process group of its own, stopped
with all its children however the test ends."""

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

import httpx2 as httpx

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def environment(**docchat: str) -> dict[str, str]:
    """This environment without any DOCCHAT_ variable but `docchat` (names without prefix)."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("DOCCHAT_")}
    env.update({f"DOCCHAT_{name.upper()}": value for name, value in docchat.items()})
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


@contextmanager
def running(
    command: Sequence[str], env: dict[str, str], folder: Path, name: str
) -> Iterator[subprocess.Popen[bytes]]:
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            list(command), cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        yield process
    except BaseException:
        print(f"--- {name}.log ---\n{log.read_text(errors='replace')[-3000:]}")
        raise
    finally:
        stop_group(process)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process and its children, SIGKILL to whatever is left after 20 s."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        if sig is signal.SIGTERM:  # the leader is gone; its children may not be
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        return


def wait_for(check: Callable[[], T | None], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value is not None:
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {timeout} s for {what}")


def get_json(url: str) -> object | None:
    try:
        response = httpx.get(url, timeout=5)
    except httpx.TransportError:
        return None
    return response.json() if response.status_code == 200 else None
