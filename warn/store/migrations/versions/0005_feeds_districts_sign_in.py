"""Ids per feed, the district registry, unknown schools and districts, sign-in throttle.

- `signals.feed` and `signals.feed_id`: a feed's own id is unique within the feed only
  (CONTRACT §3); `signals.id` becomes our key. Signals stored before keep their id as both
  key and feed id, under the feed `''` (who sent them was not recorded).
- `districts`: registered from the districts that schools, teams and users already name.
- `cases.flag_unknown_school`, `cases.flag_unknown_district`: a signal is never refused
  for an unregistered school or district; its case is flagged instead.
- `sign_in_throttle`: failed sign-ins per client, replacing the account lockout that
  anyone could set off.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FALSE = sa.text("false")


def _canonical(district: str) -> str:
    return unicodedata.normalize("NFKC", district).strip().casefold()


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("signals") as table:
        table.add_column(sa.Column("feed", sa.String(64), nullable=False,
                                   server_default=sa.text("''")))
        table.add_column(sa.Column("feed_id", sa.String(128), nullable=True))
    op.execute("UPDATE signals SET feed_id = id")
    with op.batch_alter_table("signals") as table:
        table.alter_column("feed_id", existing_type=sa.String(128), nullable=False)
    op.create_index("uq_signals_feed_feed_id", "signals", ["feed", "feed_id"], unique=True)

    with op.batch_alter_table("cases") as table:
        table.add_column(sa.Column("flag_unknown_school", sa.Boolean(), nullable=False,
                                   server_default=_FALSE))
        table.add_column(sa.Column("flag_unknown_district", sa.Boolean(), nullable=False,
                                   server_default=_FALSE))

    districts = op.create_table(
        "districts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
    )
    named: dict[str, str] = {}
    for table_name in ("schools", "teams", "users"):
        rows = bind.execute(sa.text(
            f"SELECT DISTINCT district FROM {table_name} WHERE district IS NOT NULL"))
        for (district,) in rows:
            if district and _canonical(district):
                named.setdefault(_canonical(district), district.strip())
    if named:
        op.bulk_insert(districts, [{"id": key, "name": name} for key, name in named.items()])
    for table_name in ("schools", "teams", "users"):
        for key in named:
            bind.execute(sa.text(
                f"UPDATE {table_name} SET district = :key WHERE district IS NOT NULL "
                f"AND lower(trim(district)) = :key"), {"key": key})

    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wait_until", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("sign_in_throttle")
    op.drop_table("districts")
    with op.batch_alter_table("cases") as table:
        table.drop_column("flag_unknown_district")
        table.drop_column("flag_unknown_school")
    op.drop_index("uq_signals_feed_feed_id", table_name="signals")
    with op.batch_alter_table("signals") as table:
        table.drop_column("feed_id")
        table.drop_column("feed")
