"""Turn a stored document into searchable chunks: the work of the background task."""

import logging

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from docchat.core.config import Settings
from docchat.models import UNFINISHED, Chunk, Document, DocumentStatus
from docchat.services.chunking import split_into_chunks
from docchat.services.search_index import query_terms

log = logging.getLogger("docchat.processing")


class UnprocessableDocumentError(Exception):
    """The document was stored but cannot be made searchable; the message says why."""


def process_document(
    document_id: int, sessions: sessionmaker[Session], settings: Settings
) -> DocumentStatus | None:
    """Chunk and index one document in a session of its own; never leaves it `processing`.

    Takes an id, not an ORM object: the request's session is gone when this runs.
    Returns the final status, or None if the document was deleted first or meanwhile.
    """
    with sessions() as session:
        document = session.get(Document, document_id)
        if document is None:
            return None
        document.status = DocumentStatus.PROCESSING
        document.error = None
        session.commit()
        try:
            texts = split_into_chunks(document.content, settings.chunk_size, settings.chunk_overlap)
            if not any(query_terms(chunk) for chunk in texts):
                raise UnprocessableDocumentError("the document has no searchable words")
            # A document recovered after a crash may have a partial set of chunks.
            session.execute(delete(Chunk).where(Chunk.document_id == document_id))
            session.add_all(
                Chunk(document_id=document_id, position=position, text=chunk)
                for position, chunk in enumerate(texts)
            )
            document.chunk_count = len(texts)
            document.status = DocumentStatus.READY
            session.commit()
            return DocumentStatus.READY
        except Exception as exc:  # any failure must end in `failed`
            session.rollback()
            reason = str(exc) if isinstance(exc, UnprocessableDocumentError) else _describe(exc)
            log.warning("document %s failed: %s", document_id, reason)
            return _mark_failed(sessions, document_id, reason)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SQLAlchemyError):
        return f"database error while indexing ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc}"


def _mark_failed(
    sessions: sessionmaker[Session], document_id: int, reason: str
) -> DocumentStatus | None:
    with sessions() as session:
        document = session.get(Document, document_id)
        if document is None:  # deleted while it was being processed
            return None
        document.status = DocumentStatus.FAILED
        document.error = reason[:1000]
        document.chunk_count = 0
        session.commit()
    return DocumentStatus.FAILED


def recover_unfinished(sessions: sessionmaker[Session], settings: Settings) -> list[int]:
    """Process again every document a crash left `pending` or `processing`; return their ids."""
    with sessions() as session:
        ids = list(
            session.scalars(
                select(Document.id).where(Document.status.in_(UNFINISHED)).order_by(Document.id)
            )
        )
    for document_id in ids:
        process_document(document_id, sessions, settings)
    if ids:
        log.info("recovered %d unfinished document(s)", len(ids))
    return ids
