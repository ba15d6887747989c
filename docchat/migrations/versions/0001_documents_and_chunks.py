"""Documents, their chunks, and the full-text index of each database.

The schema that `create_all` made before there were migrations: a SQLite file made then is
stamped with this revision, not migrated (docchat/core/schema.py).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# 64-bit ids; on SQLite only a column declared exactly INTEGER is the rowid.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = sa.DateTime(timezone=True)

# SQLite: an external-content FTS5 table kept in step with `chunks` by triggers.
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS chunk_fts USING fts5("
    "text, content='chunks', content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN "
    "INSERT INTO chunk_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN "
    "INSERT INTO chunk_fts(chunk_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
)
# PostgreSQL: a stemmed tsvector that the database generates from the text, and its index.
# fastupdate off: new entries go straight into the index, not into a pending list that
# every search scans until a vacuum merges it (asks took seconds after bulk inserts).
POSTGRES_FTS = (
    "ALTER TABLE chunks ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', text)) STORED",
    "CREATE INDEX ix_chunks_search_vector ON chunks USING gin (search_vector) "
    "WITH (fastupdate = off)",
)


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", ID, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_documents_status", "documents", ["status"])
    op.create_table(
        "chunks",
        sa.Column("id", ID, primary_key=True),
        sa.Column(
            "document_id",
            ID,
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_chunks_document_id", "chunks", ["document_id"])
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_FTS, "postgresql": POSTGRES_FTS}.get(dialect, ()):
        op.execute(statement)
