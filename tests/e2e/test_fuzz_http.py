"""Schemathesis over HTTP against a real `docchat serve`, every check on, bounded.

The in-process run (test_fuzz_openapi.py) cannot send what its serializer refuses (NaN,
lone surrogates); this one goes through uvicorn and the network like any client, with the
schema the server itself publishes. Each operation gets FUZZ_HTTP_MAX_EXAMPLES cases
(default 15), derandomized. What a case may not do: answer 5xx, break the schema
(status, content type, headers, body), accept what the schema forbids, refuse what it
allows, or hide a method behind a 405 without an Allow header.

Left out, each for its reason:
- `positive_data_acceptance` refuses a 404 for a valid id that names no document, and a 413
  for a document that is valid JSON but larger than DOCCHAT_MAX_UPLOAD_BYTES; both are
  right, and both are documented on the operation.
- `negative_data_rejection` on the multipart upload: a form field is text on the wire, so a
  "number" generated for the title or the file is the text of that number, rightly taken.
"""

import os
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tests.e2e.docchat_server import docchat_serve

MAX_EXAMPLES = int(os.environ.get("FUZZ_HTTP_MAX_EXAMPLES", "15"))


@pytest.mark.slow
def test_every_operation_over_http(tmp_path: Path) -> None:
    failures: dict[str, str] = {}
    with docchat_serve(tmp_path, DOCCHAT_MAX_UPLOAD_BYTES="20000") as server:
        schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def conforms(case: schemathesis.Case) -> None:
                excluded = [positive_data_acceptance]
                if case.media_type == "multipart/form-data":
                    excluded.append(negative_data_rejection)
                case.call_and_validate(excluded_checks=excluded)

            try:
                conforms()
            except Exception as exc:  # every operation is fuzzed; all failures reported
                failures[operation.label] = f"{type(exc).__name__}: {exc}"[:3000]

    assert len(operations) >= 8
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
