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

_SQL = (
    "SELECT c.id, c.document_id, d.title, c.position, c.text, "
    "ts_rank_cd(c.search_vector, q.query) AS rank "
    "FROM chunks c JOIN documents d ON d.id = c.document_id, "
    f"websearch_to_tsquery('{CONFIG}', :question) AS q(query) "
    "WHERE c.search_vector @@ q.query AND d.status = :ready"
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
    # websearch_to_tsquery never raises on user input; "or" between the words asks for
    # any of them, as the FTS5 query does. The terms are \\w+ words, never its syntax.
    params: dict[str, object] = {"question": " or ".join(terms), "ready": ready, "k": top_k}
    sql = _SQL
    if document_ids is not None:
        sql += " AND c.document_id = ANY(:ids)"
        params["ids"] = sorted(set(document_ids))
    sql += " ORDER BY rank DESC, c.id LIMIT :k"
    return session.execute(text(sql), params).all()
