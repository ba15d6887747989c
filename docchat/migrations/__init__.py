"""Alembic's migrations of DocChat's schema; applied by docchat/core/schema.py."""
