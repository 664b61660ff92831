"""The duty room's order: `cases.deadline_at`, the deadline `sort=urgency` sorts by.

Filled for the cases already stored from their aggregates, with the same rule the
decisions use when they write a case (warn.domain.case.urgency_deadline).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as table:
        table.add_column(sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_cases_open_urgency", "cases", ["state", "tier", "deadline_at"])
    _fill()


def _fill() -> None:
    from warn.domain.case import case_from_dict, urgency_deadline
    from warn.store.models import Json
    from warn.store.types import UtcDateTime

    bind = op.get_bind()
    cases = sa.table("cases", sa.column("id", sa.String), sa.column("state", sa.String),
                     sa.column("aggregate", Json), sa.column("deadline_at", UtcDateTime()))
    rows = bind.execute(sa.select(cases.c.id, cases.c.aggregate)
                        .where(cases.c.state == "open")).all()
    for case_id, aggregate in rows:
        data: Any = aggregate
        deadline = urgency_deadline(case_from_dict(data)) if data else None
        if deadline is not None:
            bind.execute(sa.update(cases).where(cases.c.id == case_id)
                         .values(deadline_at=deadline))


def downgrade() -> None:
    op.drop_index("ix_cases_open_urgency", table_name="cases")
    with op.batch_alter_table("cases") as table:
        table.drop_column("deadline_at")
