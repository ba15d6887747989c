"""DocChat whose background processing stalls half-way: `uvicorn tests.e2e.stalling_app:create`.

The document is chunked, then the task stops before storing the chunks, appends the
document's id to the file named by STALL_MARKER, and waits to be killed. Used by
test_failure_injection.py to crash a server while a task is in the middle of its work.
"""

import os
import time
from pathlib import Path

from fastapi import FastAPI

import docchat.services.processing as processing
from docchat.main import create_app

_real_split = processing.split_into_chunks


def _split_then_stall(text: str, size: int, overlap: int) -> list[str]:
    _real_split(text, size, overlap)
    with Path(os.environ["STALL_MARKER"]).open("a") as marker:
        marker.write("stalled\n")
    time.sleep(3600)  # until SIGKILL
    raise AssertionError("unreachable")


def create() -> FastAPI:
    processing.split_into_chunks = _split_then_stall  # type: ignore[assignment]
    return create_app()
