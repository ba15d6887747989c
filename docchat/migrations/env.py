"""Alembic's entry point. DocChat always hands it a connection (docchat/core/schema.py), so
that a SQLite file goes through the app's own engine and its writer lane."""

from alembic import context

from docchat.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `docchat db upgrade`, not the alembic command")
context.configure(connection=connection, target_metadata=Base.metadata)
with context.begin_transaction():
    context.run_migrations()
