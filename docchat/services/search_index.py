"""Full-text retrieval over chunks: SQLite FTS5 with bm25, PostgreSQL's tsvector with its
rank (services/search_postgres.py), or a portable scan on any other database."""

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from docchat.models import Chunk, Document, DocumentStatus
from docchat.services.search_postgres import postgres_rows

_WORD = re.compile(r"\w+", re.UNICODE)
# Words so common that matching them says nothing about relevance.
_STOPWORDS = frozenset(
    (
        "a an and are as at be but by can do does for from has have how i if in is it its of on "
        "or so that the their there these this to was were what when where which who why will "
        "with you your"
    ).split()
)
_MAX_TERMS = 32


@dataclass(frozen=True, slots=True)
class Hit:
    chunk_id: int
    document_id: int
    title: str
    position: int
    text: str
    score: float


def query_terms(question: str) -> list[str]:
    """The distinct, meaningful words of a question, in order."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(question.lower()):
        if word not in _STOPWORDS and len(word) > 1:
            seen.setdefault(word, None)
    return list(seen)[:_MAX_TERMS]


def search(
    session: Session,
    question: str,
    top_k: int,
    document_ids: Sequence[int] | None = None,
    *,
    use_fts: bool | None = None,
) -> list[Hit]:
    """The `top_k` chunks of ready documents that best match the question, best first."""
    terms = query_terms(question)
    if not terms:
        return []
    dialect = session.get_bind().dialect.name
    if use_fts is None:
        use_fts = dialect in ("sqlite", "postgresql")
    if use_fts and dialect == "postgresql":
        rows = postgres_rows(session, terms, top_k, document_ids, DocumentStatus.READY.value)
        return [Hit(r[0], r[1], r[2], r[3], r[4], round(float(r[5]), 6)) for r in rows]
    if use_fts:
        return _search_fts(session, terms, top_k, document_ids)
    return _search_scan(session, terms, top_k, document_ids)


def _search_fts(
    session: Session, terms: list[str], top_k: int, document_ids: Sequence[int] | None
) -> list[Hit]:
    # Each term is quoted, so nothing in a question is read as FTS5 syntax.
    match = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
    sql = (
        "SELECT c.id, c.document_id, d.title, c.position, c.text, bm25(chunk_fts) AS rank "
        "FROM chunk_fts JOIN chunks c ON c.id = chunk_fts.rowid "
        "JOIN documents d ON d.id = c.document_id "
        "WHERE chunk_fts MATCH :match AND d.status = :ready"
    )
    params: dict[str, object] = {"match": match, "ready": DocumentStatus.READY.value}
    if document_ids is not None:
        ids = sorted(set(document_ids))
        sql += f" AND c.document_id IN ({', '.join(f':d{i}' for i in range(len(ids)))})"
        params.update({f"d{i}": doc_id for i, doc_id in enumerate(ids)})
    sql += " ORDER BY rank, c.id LIMIT :k"
    params["k"] = top_k
    rows = session.execute(text(sql), params).all()
    # bm25() is lower-is-better; report a higher-is-better score.
    return [Hit(r[0], r[1], r[2], r[3], r[4], round(-float(r[5]), 6)) for r in rows]


def _search_scan(
    session: Session, terms: list[str], top_k: int, document_ids: Sequence[int] | None
) -> list[Hit]:
    """BM25 computed in Python: correct on any database, fine for a small corpus."""
    stmt = (
        select(Chunk.id, Chunk.document_id, Document.title, Chunk.position, Chunk.text)
        .join(Document, Document.id == Chunk.document_id)
        .where(Document.status == DocumentStatus.READY)
    )
    if document_ids is not None:
        stmt = stmt.where(Chunk.document_id.in_(list(document_ids)))
    rows = session.execute(stmt).all()
    if not rows:
        return []
    docs = [Counter(_WORD.findall(row.text.lower())) for row in rows]
    lengths = [sum(d.values()) for d in docs]
    average = sum(lengths) / len(lengths) or 1.0
    k1, b = 1.2, 0.75
    having = {term: sum(1 for d in docs if term in d) for term in terms}
    idf = {t: math.log(1 + (len(docs) - n + 0.5) / (n + 0.5)) for t, n in having.items()}
    scored: list[tuple[float, int]] = []
    for index, counts in enumerate(docs):
        score = 0.0
        for term in terms:
            tf = counts.get(term, 0)
            if not tf:
                continue
            score += idf[term] * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[index] / average))
        if score > 0:
            scored.append((score, index))
    scored.sort(key=lambda pair: (-pair[0], rows[pair[1]].id))
    return [
        Hit(row.id, row.document_id, row.title, row.position, row.text, round(score, 6))
        for score, index in scored[:top_k]
        for row in (rows[index],)
    ]
