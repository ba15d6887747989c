"""Schemathesis over HTTP against a real `docchat serve`, every check on, bounded; on SQLite
and on PostgreSQL.

The in-process run (test_fuzz_openapi.py) goes through ASGI with a serializer that refuses
some inputs; this one runs schemathesis' own command line against the server, through
uvicorn and the network, on the schema the server publishes: its coverage phase (schema
boundaries, undeclared methods, Allow headers) and its fuzzing phase, each operation at
most FUZZ_HTTP_MAX_EXAMPLES cases (default 10), deterministic. On main's code it found
five failures: an undeclared 400, `GET /documents/upload` answering 422, and two 405s
whose `Allow` missed a method.

Left out, each for its reason:
- `positive_data_acceptance` refuses a 404 for a valid id that names no document, and a 413
  for a document that is valid JSON but larger than DOCCHAT_MAX_UPLOAD_BYTES; both are
  right, and both are documented on the operation.
- `negative_data_rejection` on the multipart upload: a form field is text on the wire, so a
  "number" generated for the title or the file is the text of that number, rightly taken.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.docchat_server import docchat_serve

MAX_EXAMPLES = os.environ.get("FUZZ_HTTP_MAX_EXAMPLES", "10")
CONFIG = """
[[operations]]
include-path = "/documents/upload"
checks.negative_data_rejection.enabled = false
"""


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_every_operation_over_http(
    tmp_path: Path, database: str, request: pytest.FixtureRequest
) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    env = {"DOCCHAT_MAX_UPLOAD_BYTES": "20000"}
    if database == "postgresql":
        env["DOCCHAT_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    with docchat_serve(tmp_path, **env) as server:
        done = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
             f"{server.url}/openapi.json", "--checks", "all",
             "--exclude-checks", "positive_data_acceptance", "--max-examples", MAX_EXAMPLES,
             "--phases", "examples,coverage,fuzzing", "--generation-deterministic",
             "--workers", "1", "--request-timeout", "20", "--no-color"],
            cwd=tmp_path, capture_output=True, text=True, timeout=600,
        )  # fmt: skip

    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]
    assert "10 selected / 10 total" in done.stdout  # every operation was fuzzed
    assert " failed" not in done.stdout.split("SUMMARY")[-1]
