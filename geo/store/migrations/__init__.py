"""Alembic migrations of the store; run them with ``geo.store.database.migrate``."""
