"""The API's request and response bodies."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from docchat.models import DocumentStatus

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
# The same bounds as the `{document_id}` path parameter: past 64 bits SQLite overflows.
DocumentId = Annotated[int, Field(ge=1, le=2**62)]


class DocumentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    # The byte limit comes from the settings and is checked in the route (413).
    content: Annotated[str, StringConstraints(min_length=1, pattern=r"\S")]


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    status: DocumentStatus
    chunk_count: int
    error: str | None
    created_at: datetime
    updated_at: datetime


class ChunkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    position: int
    text: str


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: Question
    document_ids: Annotated[list[DocumentId], Field(min_length=1, max_length=100)] | None = None
    top_k: Annotated[int, Field(ge=1, le=20)] = 4


class Source(BaseModel):
    n: int = Field(description="The number the answer cites, as in [1].")
    document_id: int
    title: str
    chunk_id: int
    position: int
    score: float
    text: str


class AskResponse(BaseModel):
    answer: str
    sources: list[Source]


class ErrorOut(BaseModel):
    detail: str
