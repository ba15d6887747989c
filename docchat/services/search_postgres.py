"""Full-text retrieval on PostgreSQL: a stemmed `tsvector` column with a GIN index.

The column and its index are made by the migrations (docchat/migrations), not by the
models: `chunks.search_vector` is generated from `chunks.text` by PostgreSQL itself, so
no code path can forget to keep it in step.
"""

from collections.abc import Sequence

from sqlalchemy import Row, text
from sqlalchemy.orm import Session

# The stemming configuration: "descaling" finds "descale", "kettles" finds "kettle".
CONFIG = "english"
# Ranking reads each matching row's tsvector: a question of common words matches most of
# the corpus, and ranking all of it took seconds over 100k chunks (bench/scale_search.py).
# So at most this many candidates are ranked: the chunks with every word, and only when
# fewer than top_k have them all, the chunks with any word.
CANDIDATES = 2000

_MATCHES = (
    "(SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id "
    "WHERE c.search_vector @@ websearch_to_tsquery('{config}', :{match}) "
    "AND d.status = :ready{only} LIMIT :cap)"
)
_SQL = (
    "WITH candidates AS ({candidates}) "
    "SELECT c.id, c.document_id, d.title, c.position, c.text, "
    # ts_rank, not ts_rank_cd: the cover density cost twice the time for the same order here.
    "ts_rank(c.search_vector, websearch_to_tsquery('{config}', :any)) AS rank "
    "FROM candidates JOIN chunks c ON c.id = candidates.id "
    "JOIN documents d ON d.id = c.document_id "
    "ORDER BY rank DESC, c.id LIMIT :k"
)


def postgres_rows(
    session: Session,
    terms: Sequence[str],
    top_k: int,
    document_ids: Sequence[int] | None,
    ready: str,
) -> Sequence[Row[int, int, str, int, str, float]]:
    """The best `top_k` chunks for any of `terms`: (id, document_id, title, position, text,
    rank), best first; a higher rank is better."""
    # websearch_to_tsquery never raises on user input; the terms are \w+ words, never its
    # syntax. "a b" asks for both words; "a or b" for either, as the FTS5 query does.
    params: dict[str, object] = {
        "every": " ".join(terms),
        "any": " or ".join(terms),
        "ready": ready,
        "k": top_k,
        "cap": CANDIDATES,
    }
    only = ""
    if document_ids is not None:
        only = " AND c.document_id = ANY(:ids)"
        params["ids"] = sorted(set(document_ids))
    every, any_word = (_MATCHES.format(config=CONFIG, match=m, only=only) for m in ("every", "any"))
    # Every word first; too few such chunks, then any word too (those with every word kept).
    steps = [every, f"{every} UNION {any_word}"] if len(terms) > 1 else [any_word]
    rows: Sequence[Row[int, int, str, int, str, float]] = []
    for candidates in steps:
        rows = session.execute(
            text(_SQL.format(candidates=candidates, config=CONFIG)), params
        ).all()
        if len(rows) >= top_k:
            break
    return rows
