"""Documents: accept, list, read, retry, delete. Processing happens in a background task.

The routes are `async def`; their database work is a plain function of a session, run
on the database's threads by `db_read`/`db_write` (see docchat/core/db_executor.py).
"""

from pathlib import PurePath
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, HTTPException, Response, UploadFile, status
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from starlette.convertors import Convertor, register_url_convertor

from docchat.api.deps import (
    DocumentDep,
    DocumentIdPath,
    Page,
    PageDep,
    SessionDep,
    SettingsDep,
)
from docchat.api.strict_forms import StrictFormRoute
from docchat.core.db_executor import db_read, db_write
from docchat.models import Chunk, Document, DocumentStatus
from docchat.queue.dispatch import ProcessorDep
from docchat.schemas import ChunkOut, DocumentCreate, DocumentOut, ErrorOut, valid_text


class _DigitsConvertor(Convertor[str]):
    """`{document_id:digits}`: digits only, passed on as text for the route to validate.

    Starlette's `int` convertor calls int() while matching the path, and int() refuses more than
    4300 digits: a 500 before any handler. Here DocumentIdPath makes the text a number, or a 422
    that names the parameter; anything but digits ("1.0") matches no route, a 404.
    """

    regex = "[0-9]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: object) -> str:
        return str(value)


register_url_convertor("digits", _DigitsConvertor())

router = APIRouter(prefix="/documents", tags=["documents"], route_class=StrictFormRoute)

TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/x-markdown"})
# A generic or missing type is taken as text with one of these suffixes.
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
# The schema says which file types the upload takes, so clients (and fuzzers) know.
TEXT_FILE_PART = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "encoding": {"file": {"contentType": "text/plain, text/markdown"}}
            }
        }
    }
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No document with that id."}
}
UNPARSEABLE: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body could not be parsed."},
    413: {"model": ErrorOut, "description": "The body or the document is over the limit."},
}


def _too_large(what: str, limit: int) -> HTTPException:
    return HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE,
        f"{what}; the limit is {limit} bytes (DOCCHAT_MAX_UPLOAD_BYTES)",
    )


def _bad_file(message: str, field: str = "file") -> RequestValidationError:
    # A 422 in the same shape as every other: a list of errors, each with its location.
    return RequestValidationError([{"type": "value_error", "loc": ("body", field), "msg": message}])


def _storable(text: str, field: str, what: str) -> str:
    """The same rule for text as in JSON bodies (schemas.valid_text), as a 422."""
    try:
        return valid_text(text)
    except ValueError as exc:
        raise _bad_file(f"{what} {exc}", field) from None


def _store(session: Session, title: str, content: str) -> Document:
    document = Document(title=title, content=content)
    session.add(document)
    # Committed before the task is queued: the task opens its own session and must see it.
    session.commit()
    return document


@router.post(
    "/", status_code=status.HTTP_202_ACCEPTED, response_model=DocumentOut, responses=UNPARSEABLE
)
async def create_document(
    body: DocumentCreate,
    session: SessionDep,
    processor: ProcessorDep,
    settings: SettingsDep,
    tasks: BackgroundTasks,
) -> Document:
    """Store a document from JSON and process it in the background (202: poll its status).

    Content longer than settings.max_upload_bytes (in UTF-8 bytes) is a 413 from _too_large.
    Store it with `await db_write(_store, session, title, content)`, then queue
    `processor(document.id)` on `tasks` (the app's processor: it opens its own session, here
    or on a worker), and return the document.
    """
    ### BEGIN SOLUTION 03
    size = len(body.content.encode("utf-8"))
    if size > settings.max_upload_bytes:
        raise _too_large(f"content is {size} bytes", settings.max_upload_bytes)
    document = await db_write(_store, session, body.title, body.content)
    tasks.add_task(processor, document.id)
    return document
    ### END SOLUTION


@router.post(
    "/upload",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DocumentOut,
    responses={**UNPARSEABLE, 415: {"model": ErrorOut, "description": "Not a text file."}},
    openapi_extra=TEXT_FILE_PART,
)
async def upload_document(
    file: UploadFile,
    session: SessionDep,
    processor: ProcessorDep,
    settings: SettingsDep,
    tasks: BackgroundTasks,
    title: Annotated[str | None, Form(max_length=200)] = None,
) -> Document:
    """Store an uploaded .txt or .md file and process it in the background."""
    name = file.filename or ""
    media_type = (file.content_type or "").split(";")[0].strip().lower()
    suffix = PurePath(name).suffix.lower()
    if media_type not in TEXT_TYPES and not (
        media_type in ("", "application/octet-stream") and suffix in TEXT_SUFFIXES
    ):
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"expected a text or Markdown file (text/plain, text/markdown), got {media_type!r}",
        )
    limit = settings.max_upload_bytes
    # One byte past the limit is enough to know it is too large.
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise _too_large("the file is larger than that", limit)
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _bad_file(
            f"the file is not UTF-8 text (undecodable byte at offset {exc.start})"
        ) from None
    if not content.strip():
        raise _bad_file("the file is empty")
    _storable(content, "file", "the file")
    _storable(title or "", "title", "the title")
    _storable(name, "file", "the file name")
    clean_title = (title or "").strip() or PurePath(name).stem.strip() or "untitled"
    document = await db_write(_store, session, clean_title[:200], content)
    tasks.add_task(processor, document.id)
    return document


# The columns a list shows, selected from the table itself: a Core query, so the ORM builds
# no Document objects, identity map or change tracking for a page that is only shown.
# Built once: per request only the numbers change, and SQLAlchemy reuses what it compiled.
_LISTED = tuple(DocumentOut.model_fields)
_PAGE_OF_DOCUMENTS = (
    select(*(Document.__table__.c[name] for name in _LISTED))
    .order_by(Document.__table__.c.id)
    .offset(bindparam("skip"))
    .limit(bindparam("limit"))
)
_DOCUMENTS_OUT = TypeAdapter(list[DocumentOut])


def page_of_documents(session: Session, page: Page) -> list[DocumentOut]:
    """Documents in id order, a page of them, as the response shows them (no content)."""
    rows = session.execute(_PAGE_OF_DOCUMENTS, {"skip": page.skip, "limit": page.limit}).all()
    # A dict per row, the whole page validated in one call: pydantic reads dicts about three
    # times faster than a row's attributes (bench/RESULTS.md, API overhead).
    return _DOCUMENTS_OUT.validate_python([dict(zip(_LISTED, row, strict=True)) for row in rows])


@router.get("/")
async def list_documents(session: SessionDep, page: PageDep) -> list[DocumentOut]:
    """List documents by id, a page at a time: `page_of_documents` on a database thread."""
    ### BEGIN SOLUTION 03
    return await db_read(page_of_documents, session, page)
    ### END SOLUTION


@router.get("/{document_id:digits}", response_model=DocumentOut, responses=NOT_FOUND)
async def read_document(document: DocumentDep) -> Document:
    """One document and its processing status (get_document has already found it, or 404)."""
    ### BEGIN SOLUTION 03
    return document
    ### END SOLUTION


def _chunks(session: Session, document_id: int, page: Page) -> list[Chunk]:
    stmt = (
        select(Chunk)
        .where(Chunk.document_id == document_id)
        .order_by(Chunk.position)
        .offset(page.skip)
        .limit(page.limit)
    )
    return list(session.scalars(stmt))


@router.get("/{document_id:digits}/chunks", response_model=list[ChunkOut], responses=NOT_FOUND)
async def list_chunks(document: DocumentDep, session: SessionDep, page: PageDep) -> list[Chunk]:
    """The chunks a document was split into, in order."""
    return await db_read(_chunks, session, document.id, page)


def _mark_for_retry(session: Session, document_id: int) -> Document | None:
    document = session.get(Document, document_id)
    if document is None:
        return None
    if document.status in (DocumentStatus.READY, DocumentStatus.PROCESSING):
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"document {document_id} is {document.status}: not retried"
        )
    document.status = DocumentStatus.PENDING
    session.commit()
    return document


@router.post(
    "/{document_id:digits}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DocumentOut,
    responses={**NOT_FOUND, 409: {"model": ErrorOut, "description": "Ready, or in progress."}},
)
async def retry_document(
    document_id: DocumentIdPath,
    session: SessionDep,
    processor: ProcessorDep,
    tasks: BackgroundTasks,
) -> Document:
    """Process a `pending` or `failed` document again (one the database let down, say)."""
    document = await db_write(_mark_for_retry, session, document_id)
    if document is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"document {document_id} not found")
    tasks.add_task(processor, document.id)
    return document


def _delete(session: Session, document_id: int) -> None:
    document = session.get(Document, document_id)
    if document is not None:  # deleted meanwhile by another request: still gone
        session.delete(document)
        session.commit()


@router.delete("/{document_id:digits}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_document(document: DocumentDep, session: SessionDep) -> Response:
    """Delete a document (`_delete` on the write thread); its chunks go with it. 204, no body."""
    ### BEGIN SOLUTION 03
    await db_write(_delete, session, document.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
    ### END SOLUTION
