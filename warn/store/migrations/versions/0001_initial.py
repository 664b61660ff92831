"""The initial schema: every table of warn and its indexes.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def s(name: str, length: int | None = None, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length), nullable=nullable)


def integer(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=False)


def flag(name: str) -> sa.Column:
    return sa.Column(name, sa.Boolean(), nullable=False)


def autoinc_id(table: str) -> list[sa.SchemaItem]:
    return [
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    ]


def fk(column: str, table: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def partial_index(name: str, table: str, columns: list[str], where: str, **kw: bool) -> None:
    predicate = sa.text(where)
    op.create_index(name, table, columns, postgresql_where=predicate, sqlite_where=predicate, **kw)


def upgrade() -> None:
    create_reference_tables()
    create_signals_and_cases()
    create_deliveries()
    create_case_children()


def create_reference_tables() -> None:
    op.create_table(
        "schools",
        s("id", 64),
        s("name"),
        s("district", 64),
        sa.PrimaryKeyConstraint("id", name="pk_schools"),
    )
    op.create_table(
        "teams",
        s("id", 64),
        s("district", 64),
        integer("capacity"),
        sa.PrimaryKeyConstraint("id", name="pk_teams"),
    )
    op.create_table(
        "users",
        s("name", 64),
        s("role", 16),
        s("school", 64, nullable=True),
        s("district", 64, nullable=True),
        s("team", 64, nullable=True),
        s("token_hash", 64),
        flag("disabled"),
        ts("created_at"),
        s("password_hash", nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_users"),
        sa.UniqueConstraint("token_hash", name="uq_users_token_hash"),
    )
    op.create_table(
        "audit",
        *autoinc_id("audit"),
        ts("at"),
        s("actor", 64),
        s("action", 64),
        s("target"),
        sa.Column("detail", sa.Text(), nullable=False),
        sqlite_autoincrement=True,
    )


def create_signals_and_cases() -> None:
    op.create_table(
        "signals",
        s("id", 128),
        s("kind", 32),
        ts("observed_at"),
        ts("received_at"),
        s("msisdn", 32),
        s("content_hash", 64),
        sa.Column("payload", JSON, nullable=False),
        s("state", 16),
        s("case_id", 32, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_signals"),
    )
    partial_index("ix_signals_received", "signals", ["received_at"], "state = 'received'")
    op.create_index("ix_signals_case_id", "signals", ["case_id"])
    op.create_table(
        "cases",
        s("id", 32),
        s("msisdn", 32),
        s("district", 64, nullable=True),
        s("school", 64, nullable=True),
        s("state", 16),
        s("outcome", 32, nullable=True),
        s("tier", 16),
        integer("score"),
        flag("flag_awaiting"),
        flag("flag_overdue"),
        flag("flag_no_team"),
        flag("flag_exhausted"),
        ts("opened_at"),
        ts("updated_at"),
        ts("last_signal_at"),
        ts("resolved_at", nullable=True),
        ts("school_notified_at", nullable=True),
        sa.Column("aggregate", JSON, nullable=False),
        integer("version"),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
    )
    partial_index("uq_cases_open_msisdn", "cases", ["msisdn"], "state = 'open'", unique=True)
    op.create_index("ix_cases_state_opened_at", "cases", ["state", "opened_at"])
    # Each dialect gets the predicate its queries render (see models.py).
    op.create_index(
        "ix_cases_no_team",
        "cases",
        ["id"],
        postgresql_where=sa.text("flag_no_team"),
        sqlite_where=sa.text("flag_no_team = 1"),
    )


def create_deliveries() -> None:
    op.create_table(
        "deliveries",
        s("id", 64),
        s("case_id", 32),
        integer("stage"),
        s("channel", 32),
        s("recipient"),
        sa.Column("body", sa.Text(), nullable=False),
        s("state", 16),
        integer("attempts"),
        integer("rounds"),
        ts("created_at"),
        ts("sent_at", nullable=True),
        ts("lease_until", nullable=True),
        s("last_error", nullable=True),
        flag("dispatch_open"),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        fk("case_id", "deliveries", "cases"),
    )
    op.create_index("ix_deliveries_case_id", "deliveries", ["case_id"])
    partial_index("ix_deliveries_queued", "deliveries", ["created_at"], "state = 'queued'")
    op.create_index(
        "ix_deliveries_dispatch", "deliveries", ["channel", "recipient", "dispatch_open"]
    )
    op.create_table(
        "delivery_results",
        *autoinc_id("delivery_results"),
        s("delivery_id", 64),
        s("result", 32),
        s("note", nullable=True),
        s("actor", 64),
        ts("at"),
        fk("delivery_id", "delivery_results", "deliveries"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_delivery_results_delivery_id", "delivery_results", ["delivery_id"])


def create_case_children() -> None:
    op.create_table(
        "timers",
        *autoinc_id("timers"),
        s("case_id", 32),
        ts("due_at"),
        s("status", 16),
        ts("claimed_until", nullable=True),
        fk("case_id", "timers", "cases"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_timers_case_id", "timers", ["case_id"])
    partial_index("ix_timers_pending_due", "timers", ["due_at"], "status = 'pending'")
    partial_index("ix_timers_claimed", "timers", ["claimed_until"], "status = 'claimed'")
    op.create_table(
        "timeline",
        *autoinc_id("timeline"),
        s("case_id", 32),
        ts("at"),
        s("type", 32),
        s("actor", 64),
        sa.Column("detail", sa.Text(), nullable=False),
        fk("case_id", "timeline", "cases"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_timeline_case_id_id", "timeline", ["case_id", "id"])


def downgrade() -> None:
    for table in (
        "timeline",
        "timers",
        "delivery_results",
        "deliveries",
        "cases",
        "signals",
        "audit",
        "users",
        "teams",
        "schools",
    ):
        op.drop_table(table)
