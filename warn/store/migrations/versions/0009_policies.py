"""Each distinct policy snapshot once: a `policies` table keyed by the snapshot's hash,
and `cases.policy_id` naming the one a case runs on. A case's aggregate then holds only
what changes (warn.store.policies); aggregates written before keep their own snapshot
and are read as they are. On PostgreSQL the aggregates that are still large enough to be
compressed are compressed with lz4, several times cheaper than the default pglz. The
deliveries' team-dispatch and grouped-page indexes become partial: a flash SMS, most of
all deliveries, is written to neither.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "policies",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("document", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_policies"),
    )
    with op.batch_alter_table("cases") as table:
        table.add_column(sa.Column("policy_id", sa.String(64), nullable=True))
    # Only team dispatches and grouped pages are looked up by these two: a flash SMS, most
    # of all deliveries, is written to neither index, on insert or on any update.
    op.drop_index("ix_deliveries_dispatch", table_name="deliveries")
    op.create_index("ix_deliveries_dispatch", "deliveries", ["recipient", "dispatch_open"],
                    postgresql_where=sa.text("channel = 'mobile_team'"),
                    sqlite_where=sa.text("channel = 'mobile_team'"))
    op.drop_index("ix_deliveries_page_message_id", table_name="deliveries")
    op.create_index("ix_deliveries_page_message_id", "deliveries", ["page_message_id"],
                    postgresql_where=sa.text("page_message_id IS NOT NULL"),
                    sqlite_where=sa.text("page_message_id IS NOT NULL"))
    if op.get_bind().dialect.name == "postgresql" and _has_lz4():
        op.execute("ALTER TABLE cases ALTER COLUMN aggregate SET COMPRESSION lz4")


def _has_lz4() -> bool:
    """A server built without lz4 refuses the setting: it then keeps pglz."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.execute(sa.text("SET LOCAL default_toast_compression = 'lz4'"))
    except sa.exc.DBAPIError:
        return False
    return True


def downgrade() -> None:
    op.drop_index("ix_deliveries_page_message_id", table_name="deliveries")
    op.create_index("ix_deliveries_page_message_id", "deliveries", ["page_message_id"])
    op.drop_index("ix_deliveries_dispatch", table_name="deliveries")
    op.create_index("ix_deliveries_dispatch", "deliveries",
                    ["channel", "recipient", "dispatch_open"])
    with op.batch_alter_table("cases") as table:
        table.drop_column("policy_id")
    op.drop_table("policies")
