"""Schemathesis against DocChat's own OpenAPI schema: every operation, bounded.

The app is a fresh one on in-memory SQLite, with a few ready documents so that the happy
paths (200 with a body) are fuzzed too, not only the 404s. Each operation gets at most
`FUZZ_MAX_EXAMPLES` generated cases (default 60), valid and invalid ones; the generation is
derandomized, so a run is repeatable. To fuzz harder for a while:

    FUZZ_MAX_EXAMPLES=1000 .venv/bin/python -m pytest tests/e2e/test_fuzz_openapi.py

What it checks: no 5xx; the status, content type, headers and body of each response conform
to the schema; invalid input is rejected with a 4xx; a wrong method is a 405 whose `Allow`
lists every method of the path. What it leaves out, and why:
- `positive_data_acceptance`: a valid but unknown id is rightly a 404.
- `negative_data_rejection` on the multipart upload: a form field is text on the wire, so a
  "number" generated for the title or the file arrives as the text of that number, which
  the API rightly accepts.
Cases this found are kept in test_fuzz_regressions.py. test_fuzz_http.py runs the same over
HTTP against `docchat serve`, with what an in-process client cannot send.
"""

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from docchat.core.db import init_db
from docchat.main import create_app
from docchat.models import Document
from docchat.services.processing import process_document
from tests.e2e.conftest import hermetic_settings

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "60"))
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
    negative_data_rejection,
    status_code_conformance,
    unsupported_method,
]

app = create_app(hermetic_settings())
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(autouse=True)
def _three_ready_documents() -> None:
    """Ids 1-3, ready, for every operation.

    The schemathesis plugin ends the app's lifespan after each test, and the lifespan's end
    disposes the engine: the in-memory database goes with it, and each operation starts on
    a new, empty one (its lifespan starts again on the first request). Seed it here.
    """
    init_db(app.state.engine)
    with app.state.sessions() as session:
        documents = [
            Document(title=f"kettle {n}", content="Kettles boil water. " * (n + 1))
            for n in range(3)
        ]
        session.add_all(documents)
        session.commit()
        ids = [document.id for document in documents]
    assert ids == [1, 2, 3]
    for document_id in ids:
        process_document(document_id, app.state.sessions, app.state.settings)


# Generated ids are rarely 1-3, so the happy paths are also given as explicit examples.
HAPPY_PATHS: dict[str, list[dict[str, Any]]] = {
    "GET /documents/{document_id}": [{"path_parameters": {"document_id": 1}}],
    "GET /documents/{document_id}/chunks": [{"path_parameters": {"document_id": 2}}],
    "DELETE /documents/{document_id}": [{"path_parameters": {"document_id": 3}}],
    "POST /documents/upload": [
        {
            "body": {"file": b"Kettles whistle.", "title": "notes"},
            "media_type": "multipart/form-data",
            "multipart_content_types": {"file": "text/plain"},
        }
    ],
    "POST /chat/ask": [{"body": {"question": "kettles", "document_ids": [1, 2]}}],
}


@schema.hook
def before_add_examples(
    context: schemathesis.HookContext, examples: list[schemathesis.Case]
) -> None:
    operation = context.operation
    assert operation is not None
    examples += [operation.Case(**kwargs) for kwargs in HAPPY_PATHS.get(operation.label, [])]


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None)
def test_every_operation_conforms_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=checks_for(case))


def checks_for(case: schemathesis.Case) -> list[Any]:
    if case.media_type == "multipart/form-data":
        return [check for check in CHECKS if check is not negative_data_rejection]
    return CHECKS
