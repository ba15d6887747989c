"""Questions about the documents: retrieve the best chunks, then let the LLM client answer."""

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from docchat.api.deps import LLMDep, SessionDep
from docchat.core.db_executor import db_read
from docchat.models import Document
from docchat.schemas import AskRequest, AskResponse, ErrorOut, Source
from docchat.services.search_index import Hit, search

router = APIRouter(prefix="/chat", tags=["chat"])


def _retrieve(session: Session, body: AskRequest) -> list[Hit]:
    if body.document_ids is not None:
        wanted = set(body.document_ids)
        found = set(session.scalars(select(Document.id).where(Document.id.in_(wanted))))
        if missing := sorted(wanted - found):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown document ids: {missing}")
    return search(session, body.question, body.top_k, body.document_ids)


@router.post(
    "/ask",
    responses={
        400: {"model": ErrorOut, "description": "The body could not be parsed."},
        404: {"model": ErrorOut, "description": "A listed document does not exist."},
        413: {"model": ErrorOut, "description": "The body is over the limit."},
        502: {"model": ErrorOut, "description": "The language model failed."},
        504: {"model": ErrorOut, "description": "The language model timed out."},
    },
)
async def ask(body: AskRequest, session: SessionDep, llm: LLMDep) -> AskResponse:
    """Answer a question from the best-matching passages, citing them.

    Retrieve the hits with `await db_read(_retrieve, session, body)`, await the LLM client's
    answer, and return it with one Source per hit, numbered from 1 in the order found.
    """
    ### BEGIN SOLUTION 04
    # The search runs on a database thread; its connection is back before the LLM is
    # awaited, so a slow answer holds none (bench/async_chat.py).
    hits = await db_read(_retrieve, session, body)
    answer = await llm.answer(body.question, hits)
    sources = [
        Source(
            n=n,
            document_id=hit.document_id,
            title=hit.title,
            chunk_id=hit.chunk_id,
            position=hit.position,
            score=hit.score,
            text=hit.text,
        )
        for n, hit in enumerate(hits, start=1)
    ]
    return AskResponse(answer=answer, sources=sources)
    ### END SOLUTION
