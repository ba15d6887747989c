"""The API's request and response bodies."""

import re
from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
)
from pydantic_core import PydanticCustomError

from docchat.models import DocumentStatus

# The largest integer every JSON client reads exactly (a JavaScript number), and well
# inside SQLite's 64 bits: ids and counts stay below it.
MAX_ID = 2**53 - 1


# Control characters other than tab, line feed, carriage return and form feed: PostgreSQL
# cannot store NUL at all, and the rest are never text. One rule on every database.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def valid_text(text: str) -> str:
    """`text` if every database can store it; else a ValueError that says why."""
    # JSON can carry "\ud800", a lone surrogate: not a character, and not storable as UTF-8.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"is not valid text: a lone surrogate at position {exc.start}") from None
    if control := _CONTROL.search(text):
        code, at = ord(control.group()), control.start()
        allowed = r"only \t \n \r \f allowed"
        raise ValueError(f"contains control character U+{code:04X} at position {at}; {allowed}")
    return text


def _digits_only(value: object) -> object:
    # From a path or a query string: "7", not "7.0", "+7", " 7", "1_000" or "true".
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise ValueError("must be a whole number written with digits only")
    return value


def _stripped_text(text: str) -> str:
    # Stripped after the length check, so the limit is on what was sent, as the schema says.
    stripped = valid_text(text).strip()
    if not stripped:
        raise ValueError("must not be blank")
    return stripped


def _has_text(text: str) -> str:
    # One sentence for "" and for "  \n": a regex pattern in the message means nothing to a user.
    if not text.strip():
        raise PydanticCustomError(
            "blank_content", "The content is empty: send the document's text, not only spaces"
        )
    return text


ValidText = AfterValidator(valid_text)
Title = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_stripped_text)]
Question = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_stripped_text)]
# A JSON integer, never "4", 4.0 or true.
StrictCount = Annotated[int, Strict()]
DocumentId = Annotated[StrictCount, Field(ge=1, le=MAX_ID)]
# An integer from a query string: digits only.
WholeNumber = Annotated[int, BeforeValidator(_digits_only)]


class DocumentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    # The byte limit comes from the settings and is checked in the route (413).
    content: Annotated[
        str, Field(json_schema_extra={"minLength": 1}), AfterValidator(_has_text), ValidText
    ]


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
    top_k: Annotated[StrictCount, Field(ge=1, le=20)] = 4


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
