"""Persistence: SQLAlchemy models, engines and sessions, Alembic migrations."""

from warn.store.db import is_sqlite, make_engine, normalize_url, session_factory, upgrade

__all__ = ["is_sqlite", "make_engine", "normalize_url", "session_factory", "upgrade"]
