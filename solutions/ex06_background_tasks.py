"""Exercise 6 · Upload now, process in the background.

Chunking and indexing a document takes a while, and nobody wants to wait for it with the
upload request still open. DocChat stores the document, answers 202 Accepted at once, and
processes it in a background task. The client then polls `GET /documents/{id}` and watches
the status move `pending -> processing -> ready`, or to `failed` with a reason it can show.

The model, the session factory, `get_db` and a stand-in chunker are given. Write the request
body's rules, the task and the two routes.

Background: notebooks/06_background_tasks.ipynb. Check your work: `check("ex06")` in the
notebook, or `docchat-lab check ex06` in a terminal. (The checks swap `engine`,
`SessionLocal` and `split_into_chunks` for their own, so use those names, not copies.)
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import String, Text, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


class Base(DeclarativeBase):
    pass


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    chunk_count: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)


engine = create_engine("sqlite:///./ex06_documents.db", connect_args={"check_same_thread": False})
SessionLocal = sessionmaker(engine)


def get_db() -> Iterator[Session]:
    """One session per request, closed whatever happens."""
    with SessionLocal() as db:
        yield db


# scope="function": the session is closed as soon as the endpoint returns, before the response
# goes out and before any background task runs. A task that kept using it would change nothing,
# and nothing would tell you.
SessionDep = Annotated[Session, Depends(get_db, scope="function")]


def split_into_chunks(text: str) -> list[str]:
    """A stand-in for DocChat's chunker: one chunk per paragraph. It raises on text it cannot
    handle. (The checks replace it with one whose result they can predict, and which fails on
    purpose for some documents.)"""
    return [paragraph.strip() for paragraph in text.split("\n\n") if paragraph.strip()]


class DocumentIn(BaseModel):
    """The JSON body of `POST /documents/`: a title of 1 to 200 characters, and content that
    is not empty. Anything else is answered 422 by FastAPI, before your code runs."""

    ### BEGIN SOLUTION
    title: Annotated[str, Field(min_length=1, max_length=200)]
    content: Annotated[str, Field(min_length=1)]
    ### END SOLUTION
    ### BEGIN STUB
    # title: str  # TODO: refuse an empty title, and one over 200 characters
    # content: str  # TODO: refuse empty content
    ### END STUB


class DocumentOut(BaseModel):
    """What `GET /documents/{id}` answers."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    status: str
    chunk_count: int
    error: str | None


def process_document(document_id: int) -> None:
    """Chunk one stored document: the slow work the background task does.

    - Open a session of its own with `SessionLocal()` (and close it: `with SessionLocal() as
      db:`). The request's session is closed by the time a background task runs.
    - Load the document with `db.get(Document, document_id)`. If it is gone (deleted before
      the task ran), return quietly.
    - Set its status to "processing" and COMMIT, so a client polling the document sees the
      work has started; then call `split_into_chunks(document.content)`.
    - On success: status "ready", `chunk_count` = the number of chunks, commit.
    - On any exception: roll back, then status "failed", `chunk_count` 0, and as `error` a
      readable reason that includes the exception's message, such as
      `f"{type(exc).__name__}: {exc}"`; commit. Never leave a document in "processing", and
      never let the exception escape: under uvicorn a failing task is only logged, and the
      tasks queued after it are skipped.
    """
    ### BEGIN SOLUTION
    with SessionLocal() as db:
        document = db.get(Document, document_id)
        if document is None:
            return
        document.status = "processing"
        db.commit()
        try:
            chunks = split_into_chunks(document.content)
            document.chunk_count = len(chunks)
            document.status = "ready"
            db.commit()
        except Exception as exc:
            db.rollback()
            document.status = "failed"
            document.chunk_count = 0
            document.error = f"{type(exc).__name__}: {exc}"[:1000]
            db.commit()
    ### END SOLUTION


router = APIRouter(prefix="/documents", tags=["documents"])


### BEGIN SOLUTION
@router.post("/", status_code=status.HTTP_202_ACCEPTED)
### END SOLUTION
### BEGIN STUB
# @router.post("/")  # TODO: the status code that says "accepted, not done yet"
### END STUB
def create_document(body: DocumentIn, db: SessionDep, tasks: BackgroundTasks) -> dict[str, Any]:
    """Store a document and process it in the background.

    - Store a `Document` with the body's title and content and status "pending", and commit
      (the task's own session must be able to find it).
    - Queue `process_document` with the document's ID: `tasks.add_task(process_document,
      document.id)`. Never pass the session or the ORM object: both belong to this request.
      Do not call process_document yourself: the task runs after the response is sent.
    - Answer 202 Accepted with `{"id": <the new id>, "status": "pending"}`.
    """
    ### BEGIN SOLUTION
    document = Document(title=body.title, content=body.content, status="pending")
    db.add(document)
    db.commit()
    tasks.add_task(process_document, document.id)
    return {"id": document.id, "status": "pending"}
    ### END SOLUTION


@router.get("/{document_id}")
def read_document(document_id: int, db: SessionDep) -> DocumentOut:
    """One document and its processing status; a 404 if there is no such document.

    Answer with `DocumentOut.model_validate(document)`; for a missing id raise
    `HTTPException(404, ...)`, never return `None` (that would be a `200 null`).
    """
    ### BEGIN SOLUTION
    document = db.get(Document, document_id)
    if document is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"document {document_id} not found")
    return DocumentOut.model_validate(document)
    ### END SOLUTION


def create_app() -> FastAPI:
    """The app: the documents router, with the tables created at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        Base.metadata.create_all(engine)
        yield

    app = FastAPI(lifespan=lifespan)
    app.include_router(router)
    return app
