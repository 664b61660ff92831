"""Alembic environment: one transaction per upgrade, serialised across processes."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import text

from warn.store.db import make_engine, normalize_url
from warn.store.models import Base

# Any fixed 64-bit number shared by every warn process: "warn" in ASCII.
MIGRATION_LOCK_KEY = 0x7761726E

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    # A URL handed in by warn.store.db.upgrade wins over anything in alembic.ini.
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    return normalize_url(url or os.environ.get("WARN_DATABASE_URL") or "sqlite:///warn.db")


def run_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = make_engine(database_url())
    try:
        # One outer transaction: every migration lands or none does. On SQLite the
        # engine opens it with BEGIN IMMEDIATE, which also holds off other writers.
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Two processes starting at once: the second waits here, then finds
                # the schema already at head. Released by the commit.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
