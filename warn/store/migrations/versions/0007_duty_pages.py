"""Duty pages a duty room can live with: the duty roster and pages grouped per officer.

- `duty_roster`: who is on shift (值班表), since when, and who is the shift supervisor
  (值班领导). Pages go to the officers on shift; an overdue confirmation also to the
  supervisor.
- `pagers`: one row per person paged, locked while deciding whether a grouped page goes
  now, so that several workers still send one message per officer per minute.
- `page_messages`: the messages that reached an officer's device; each carries the
  duty_page deliveries that name it in `deliveries.page_message_id`.
- `deliveries.page_reason`: why a duty page was made (confirm, overdue, no_team, …), so a
  grouped page can say what each case needs.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FALSE = sa.text("false")
_DUTY_PAGE = sa.text("channel = 'duty_page'")
_SENDING = sa.text("state = 'sending'")


def _ts(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as table:
        table.add_column(sa.Column("page_reason", sa.String(16), nullable=True))
        table.add_column(sa.Column("page_message_id", sa.String(64), nullable=True))
    op.create_index("ix_deliveries_duty_pages", "deliveries", ["recipient", "state"],
                    postgresql_where=_DUTY_PAGE, sqlite_where=_DUTY_PAGE)
    op.create_index("ix_deliveries_page_message_id", "deliveries", ["page_message_id"])

    op.create_table(
        "duty_roster",
        sa.Column("user_name", sa.String(64), nullable=False),
        _ts("since"),
        sa.Column("lead", sa.Boolean(), nullable=False, server_default=_FALSE),
        sa.Column("signed_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("user_name", name="pk_duty_roster"),
        sa.ForeignKeyConstraint(["user_name"], ["users.name"],
                                name="fk_duty_roster_user_name_users"),
    )
    op.create_table(
        "pagers",
        sa.Column("officer", sa.String(64), nullable=False),
        _ts("last_page_at", nullable=True),
        sa.PrimaryKeyConstraint("officer", name="pk_pagers"),
    )
    op.create_table(
        "page_messages",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("officer", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        _ts("created_at"),
        _ts("sent_at", nullable=True),
        _ts("lease_until", nullable=True),
        sa.Column("rounds", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_page_messages"),
    )
    op.create_index("ix_page_messages_sending", "page_messages", ["officer", "lease_until"],
                    postgresql_where=_SENDING, sqlite_where=_SENDING)


def downgrade() -> None:
    op.drop_index("ix_page_messages_sending", table_name="page_messages")
    op.drop_table("page_messages")
    op.drop_table("pagers")
    op.drop_table("duty_roster")
    op.drop_index("ix_deliveries_page_message_id", table_name="deliveries")
    op.drop_index("ix_deliveries_duty_pages", table_name="deliveries")
    with op.batch_alter_table("deliveries") as table:
        table.drop_column("page_message_id")
        table.drop_column("page_reason")
