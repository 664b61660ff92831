"""An index for the flash SMS cooldown: the last flash SMS of each number in a batch.

Without it PostgreSQL answers that question by reading the whole deliveries table, once
per batch of signals: fine on a fresh database, ruinous on a year of history.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FLASH_ONLY = sa.text("channel = 'flash_sms'")


def upgrade() -> None:
    op.create_index("ix_deliveries_flash_recipient", "deliveries", ["recipient", "created_at"],
                    postgresql_where=_FLASH_ONLY, sqlite_where=_FLASH_ONLY)


def downgrade() -> None:
    op.drop_index("ix_deliveries_flash_recipient", table_name="deliveries")
