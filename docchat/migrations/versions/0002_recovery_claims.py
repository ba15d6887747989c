"""Who recovered unfinished documents last: one row per task, claimed once per deployment.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "docchat_claims",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("deployment", sa.String(100), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
    )
