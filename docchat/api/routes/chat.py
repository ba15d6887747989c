"""Questions about the documents: retrieve the best chunks, then let the LLM client answer."""

from fastapi import APIRouter, HTTPException, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select

from docchat.api.deps import LLMDep, SessionDep
from docchat.models import Document
from docchat.schemas import AskRequest, AskResponse, ErrorOut, Source
from docchat.services.search_index import Hit, search

router = APIRouter(prefix="/chat", tags=["chat"])


def _retrieve(session: SessionDep, body: AskRequest) -> list[Hit]:
    try:
        if body.document_ids is not None:
            wanted = set(body.document_ids)
            found = set(session.scalars(select(Document.id).where(Document.id.in_(wanted))))
            if missing := sorted(wanted - found):
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown document ids: {missing}")
        return search(session, body.question, body.top_k, body.document_ids)
    finally:
        # Hand the connection back before the LLM is awaited: held through a slow answer,
        # the pool's 15 connections made 100 concurrent asks queue (bench/async_chat.py).
        session.close()


@router.post(
    "/ask",
    responses={
        404: {"model": ErrorOut, "description": "A listed document does not exist."},
        502: {"model": ErrorOut, "description": "The language model failed."},
        504: {"model": ErrorOut, "description": "The language model timed out."},
    },
)
async def ask(body: AskRequest, session: SessionDep, llm: LLMDep) -> AskResponse:
    """Answer a question from the best-matching passages, citing them."""
    # The database call is synchronous: run it in the threadpool, not on the event loop.
    hits = await run_in_threadpool(_retrieve, session, body)
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
