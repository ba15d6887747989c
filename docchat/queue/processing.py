"""Process a document once, as a task that may be delivered twice: idempotent on its id."""

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from docchat.core.config import Settings
from docchat.models import UNFINISHED, Document, DocumentStatus
from docchat.queue.claims import document_claim
from docchat.services.processing import process_document

log = logging.getLogger("docchat.queue")


def process_claimed(
    document_id: int, sessions: sessionmaker[Session], settings: Settings
) -> DocumentStatus | None:
    """Process the document unless another worker is doing it now, or it is done already.

    Returns its status afterwards (None if it is gone). A document that is `ready` or
    `failed` is left as it is, so a task delivered again after a crash changes nothing.
    """
    engine = sessions.kw["bind"]
    with document_claim(engine, document_id) as claimed:
        if not claimed:
            log.info("document %s is being processed by another worker", document_id)
            return DocumentStatus.PROCESSING
        with sessions() as session:
            status = session.scalar(select(Document.status).where(Document.id == document_id))
        if status is None or status not in UNFINISHED:
            return status
        return process_document(document_id, sessions, settings)
