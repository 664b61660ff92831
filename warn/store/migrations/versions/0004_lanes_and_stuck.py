"""Urgent signals and stuck cases (CONTRACT §6).

`signals.urgent` says, from the signal alone, that it goes on the urgent lane; the
sweeper re-drives urgent signals first. `cases.flag_stuck` marks a case whose decisions
failed three times and that waits for an officer.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FALSE = sa.text("false")


def upgrade() -> None:
    with op.batch_alter_table("signals") as table:
        table.add_column(sa.Column("urgent", sa.Boolean(), nullable=False,
                                   server_default=_FALSE))
    with op.batch_alter_table("cases") as table:
        table.add_column(sa.Column("flag_stuck", sa.Boolean(), nullable=False,
                                   server_default=_FALSE))
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_index("ix_signals_received_urgent", "signals", ["received_at"],
                    postgresql_where=sa.text("state = 'received' AND urgent"),
                    sqlite_where=sa.text("state = 'received' AND urgent = 1") if sqlite
                    else None)


def downgrade() -> None:
    op.drop_index("ix_signals_received_urgent", table_name="signals")
    with op.batch_alter_table("cases") as table:
        table.drop_column("flag_stuck")
    with op.batch_alter_table("signals") as table:
        table.drop_column("urgent")
