"""`docchat` for the worker test: the first document it processes stalls mid-way.

The first call to split a document records the process id in DOCCHAT_TEST_STALL_FILE and
then waits, so that the test can kill that worker process in the middle of the document;
any later call records its process id in the `.done` file beside it and goes on.
"""

import os
import sys
import time
from pathlib import Path

import docchat.services.processing as processing
from docchat.cli import main

_split = processing.split_into_chunks


def _stalling_split(text: str, size: int, overlap: int) -> list[str]:
    stall = Path(os.environ["DOCCHAT_TEST_STALL_FILE"])
    try:
        with stall.open("x") as first:
            first.write(f"{os.getpid()}\n")
    except FileExistsError:
        with stall.with_suffix(".done").open("a") as later:
            later.write(f"{os.getpid()}\n")
        return _split(text, size, overlap)
    time.sleep(600)
    raise AssertionError("the test should have killed this process")


processing.split_into_chunks = _stalling_split

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
