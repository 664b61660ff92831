"""The work officers do besides the queue: 96110 callback claims, case notes and owners,
the shift log with its handovers, and an index for the history of resolved cases.

- `callback_claims`: one row per claimed callback_96110 delivery; its primary key is what
  makes two operators claiming at once end with one winner.
- `case_owners`: the officer who carries a case (承办人), one per case.
- `case_notes`: internal notes on a case (officers and admins only).
- `shift_log` and `shift_acks`: entries of the duty room's shift log; a handover carries the
  lane counts of the moment it was written, and each incoming officer acknowledges it.
- `ix_cases_state_resolved_at`: the history lists resolved cases newest first.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def _ts(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _s(name: str, length: int | None = None, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length) if length else sa.String(), nullable=nullable)


def _fk(table: str, column: str, target: str, target_column: str = "id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.{target_column}"],
                                   name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    op.create_table(
        "callback_claims",
        _s("delivery_id", 64),
        _s("case_id", 32),
        _s("claimed_by", 64),
        _ts("claimed_at"),
        sa.PrimaryKeyConstraint("delivery_id", name="pk_callback_claims"),
        _fk("callback_claims", "delivery_id", "deliveries"),
        _fk("callback_claims", "case_id", "cases"),
    )
    op.create_index("ix_callback_claims_case_id", "callback_claims", ["case_id"])

    op.create_table(
        "case_owners",
        _s("case_id", 32),
        _s("owner", 64),
        _s("assigned_by", 64),
        _ts("since"),
        sa.PrimaryKeyConstraint("case_id", name="pk_case_owners"),
        _fk("case_owners", "case_id", "cases"),
    )
    op.create_index("ix_case_owners_owner", "case_owners", ["owner"])

    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        _s("case_id", 32),
        _s("author", 64),
        _ts("at"),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_notes"),
        _fk("case_notes", "case_id", "cases"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_case_notes_case_id_id", "case_notes", ["case_id", "id"])

    op.create_table(
        "shift_log",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        _ts("at"),
        _s("author", 64),
        _s("district", 64, nullable=True),
        _s("kind", 16),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("counts", _JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_shift_log"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_shift_log_district_id", "shift_log", ["district", "id"])

    op.create_table(
        "shift_acks",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        _s("user_name", 64),
        _ts("at"),
        sa.PrimaryKeyConstraint("entry_id", "user_name", name="pk_shift_acks"),
        _fk("shift_acks", "entry_id", "shift_log"),
    )

    op.create_index("ix_cases_state_resolved_at", "cases", ["state", "resolved_at"])


def downgrade() -> None:
    op.drop_index("ix_cases_state_resolved_at", table_name="cases")
    op.drop_table("shift_acks")
    op.drop_index("ix_shift_log_district_id", table_name="shift_log")
    op.drop_table("shift_log")
    op.drop_index("ix_case_notes_case_id_id", table_name="case_notes")
    op.drop_table("case_notes")
    op.drop_index("ix_case_owners_owner", table_name="case_owners")
    op.drop_table("case_owners")
    op.drop_index("ix_callback_claims_case_id", table_name="callback_claims")
    op.drop_table("callback_claims")
