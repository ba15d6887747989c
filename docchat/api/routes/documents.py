"""Documents: accept, list, read, delete. Processing happens in a background task."""

from pathlib import PurePath
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, HTTPException, Response, UploadFile, status
from sqlalchemy import Select, select
from sqlalchemy.orm import defer

from docchat.api.deps import DocumentDep, Page, PageDep, SessionDep, SessionFactoryDep, SettingsDep
from docchat.models import Chunk, Document
from docchat.schemas import ChunkOut, DocumentCreate, DocumentOut, ErrorOut
from docchat.services.processing import process_document

router = APIRouter(prefix="/documents", tags=["documents"])

TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/x-markdown"})
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No document with that id."}
}


def _too_large(size: int, limit: int) -> HTTPException:
    return HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE,
        f"content is {size} bytes; the limit is {limit} bytes (DOCCHAT_MAX_UPLOAD_BYTES)",
    )


def _accept(
    title: str,
    content: str,
    session: SessionDep,
    sessions: SessionFactoryDep,
    settings: SettingsDep,
    tasks: BackgroundTasks,
) -> Document:
    size = len(content.encode("utf-8"))
    if size > settings.max_upload_bytes:
        raise _too_large(size, settings.max_upload_bytes)
    document = Document(title=title, content=content)
    session.add(document)
    # Committed before the task is queued: the task opens its own session and must see it.
    session.commit()
    tasks.add_task(process_document, document.id, sessions, settings)
    return document


@router.post(
    "/",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DocumentOut,
    responses={413: {"model": ErrorOut, "description": "Content over the size limit."}},
)
def create_document(
    body: DocumentCreate,
    session: SessionDep,
    sessions: SessionFactoryDep,
    settings: SettingsDep,
    tasks: BackgroundTasks,
) -> Document:
    """Store a document from JSON and process it in the background (202: poll its status)."""
    return _accept(body.title, body.content, session, sessions, settings, tasks)


@router.post(
    "/upload",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DocumentOut,
    responses={
        413: {"model": ErrorOut, "description": "File over the size limit."},
        415: {"model": ErrorOut, "description": "Not a text or Markdown file."},
    },
)
def upload_document(
    file: UploadFile,
    session: SessionDep,
    sessions: SessionFactoryDep,
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
    # Read one byte past the limit: enough to know it is too large without reading it all.
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise _too_large(len(data), limit)
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"the file is not UTF-8 text (undecodable byte at offset {exc.start})",
        ) from None
    if not content.strip():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "the file is empty")
    clean_title = (title or "").strip() or PurePath(name).stem.strip() or "untitled"
    return _accept(clean_title[:200], content, session, sessions, settings, tasks)


@router.get("/", response_model=list[DocumentOut])
def list_documents(session: SessionDep, page: PageDep) -> list[Document]:
    """List documents by id, a page at a time."""
    return list(session.scalars(page_of_documents(page)))


def page_of_documents(page: Page) -> Select[Document]:
    """Documents in id order, without their content (a list never shows it)."""
    return (
        select(Document)
        .options(defer(Document.content))
        .order_by(Document.id)
        .offset(page.skip)
        .limit(page.limit)
    )


@router.get("/{document_id}", response_model=DocumentOut, responses=NOT_FOUND)
def read_document(document: DocumentDep) -> Document:
    """One document and its processing status."""
    return document


@router.get("/{document_id}/chunks", response_model=list[ChunkOut], responses=NOT_FOUND)
def list_chunks(document: DocumentDep, session: SessionDep, page: PageDep) -> list[Chunk]:
    """The chunks a document was split into, in order."""
    stmt = (
        select(Chunk)
        .where(Chunk.document_id == document.id)
        .order_by(Chunk.position)
        .offset(page.skip)
        .limit(page.limit)
    )
    return list(session.scalars(stmt))


@router.delete("/{document_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
def delete_document(document: DocumentDep, session: SessionDep) -> Response:
    """Delete a document; its chunks and their index entries go with it."""
    session.delete(document)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
