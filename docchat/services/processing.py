"""Turn a stored document into searchable chunks: the work of the background task."""

import logging
from collections.abc import Callable

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from docchat.core.busy import BACKGROUND_BACKOFF, retry_while_busy
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
    A busy database is waited for. A document fails only for a reason of its own; when the
    database fails, it goes back to `pending`, to be retried (start-up, or POST .../retry).
    Returns the final status, or None if the document was deleted first or meanwhile.
    """
    ### BEGIN SOLUTION 06
    try:
        return retry_while_busy(lambda: _index(document_id, sessions, settings), BACKGROUND_BACKOFF)
    except UnprocessableDocumentError as exc:
        return _settle(sessions, document_id, DocumentStatus.FAILED, str(exc))
    except SQLAlchemyError as exc:  # the database's fault, not the document's
        reason = f"the database failed while indexing ({type(exc).__name__}); it will be retried"
        return _settle(sessions, document_id, DocumentStatus.PENDING, reason)
    except Exception as exc:  # a bug: any failure must end somewhere other than `processing`
        return _settle(sessions, document_id, DocumentStatus.FAILED, f"{type(exc).__name__}: {exc}")
    ### END SOLUTION
    ### BEGIN STUB
    # # TODO(stage 06): process the document. Until then every document stays `pending`.
    # return None
    ### END STUB


def _index(
    document_id: int, sessions: sessionmaker[Session], settings: Settings
) -> DocumentStatus | None:
    with sessions() as session:
        document = session.get(Document, document_id)
        if document is None:
            return None
        document.status = DocumentStatus.PROCESSING
        document.error = None
        session.commit()
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


def _settle(
    sessions: sessionmaker[Session], document_id: int, status: DocumentStatus, reason: str
) -> DocumentStatus | None:
    """Record why the document is not ready. If even that fails, it stays `processing`,
    which the next start-up picks up."""
    if status is DocumentStatus.FAILED:
        log.warning("document %s failed: %s", document_id, reason)
    else:
        log.warning("document %s is %s again: %s", document_id, status, reason)

    def record() -> DocumentStatus | None:
        with sessions() as session:
            document = session.get(Document, document_id)
            if document is None:  # deleted while it was being processed
                return None
            document.status = status
            document.error = reason[:1000]
            document.chunk_count = 0
            session.commit()
        return status

    try:
        return retry_while_busy(record, BACKGROUND_BACKOFF)
    except SQLAlchemyError as exc:
        log.error("document %s left for the next start-up: %s", document_id, type(exc).__name__)
        return DocumentStatus.PROCESSING


def recover_unfinished(
    sessions: sessionmaker[Session],
    settings: Settings,
    process: Callable[[int], object] | None = None,
) -> list[int]:
    """Process again every document a crash or a database failure left unfinished.

    That is every `pending` or `processing` document: a failure of the database sends a
    document back to `pending`; a failure of its own makes it `failed`, and it stays so.
    `process` takes over from `process_document` (docchat/queue: a claim, or a queue).
    Returns the ids it processed, in id order.
    """
    ### BEGIN SOLUTION 06
    with sessions() as session:
        ids = list(
            session.scalars(
                select(Document.id).where(Document.status.in_(UNFINISHED)).order_by(Document.id)
            )
        )
    for document_id in ids:
        if process is None:
            process_document(document_id, sessions, settings)
        else:
            process(document_id)
    if ids:
        log.info("recovered %d unfinished document(s)", len(ids))
    return ids
    ### END SOLUTION
    ### BEGIN STUB
    # # TODO(stage 06): process every unfinished document again. Until then: none.
    # return []
    ### END STUB
