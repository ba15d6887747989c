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
# So at most this many candidates are ranked: chunks with every word first, then any word.
CANDIDATES = 2000

_MATCHES = (
    "SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id "
    "WHERE c.search_vector @@ {query} AND d.status = :ready{only} LIMIT :cap"
)
_SQL = (
    "WITH candidates AS (({every}) UNION ({any})) "
    "SELECT c.id, c.document_id, d.title, c.position, c.text, "
    f"ts_rank_cd(c.search_vector, websearch_to_tsquery('{CONFIG}', :any)) AS rank "
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
    sql = _SQL.format(
        every=_MATCHES.format(query=f"websearch_to_tsquery('{CONFIG}', :every)", only=only),
        any=_MATCHES.format(query=f"websearch_to_tsquery('{CONFIG}', :any)", only=only),
    )
    return session.execute(text(sql), params).all()
