"""Timers live in the database: claimed by the scheduler, fired by a worker in batches."""

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select, update

from warn.domain.case import case_from_dict
from warn.domain.events import Tick
from warn.service.cases import CaseBatch
from warn.service.context import Context
from warn.store.models import Timer

# A claimed timer whose fire_timers never finished (lost message, dead worker) goes back
# to pending after this long.
CLAIM_LEASE = timedelta(seconds=15)
BATCH = 500


def claim_due_timers(ctx: Context, limit: int = 1000) -> list[int]:
    """Claim up to `limit` due timers. Safe with several schedulers: each timer is claimed
    once (SKIP LOCKED on PostgreSQL; SQLite serialises writers)."""
    now = ctx.now()
    with ctx.sessions.begin() as session:
        due = (select(Timer.id).where(Timer.status == "pending", Timer.due_at <= now)
               .order_by(Timer.due_at).limit(limit).with_for_update(skip_locked=True))
        ids = list(session.scalars(due))
        if ids:
            session.execute(update(Timer).where(Timer.id.in_(ids), Timer.status == "pending")
                            .values(status="claimed", claimed_until=now + CLAIM_LEASE))
    return ids


def release_lost_claims(ctx: Context) -> int:
    now = ctx.now()
    with ctx.sessions.begin() as session:
        return session.execute(update(Timer).where(Timer.status == "claimed",
                                                   Timer.claimed_until < now)
                               .values(status="pending", claimed_until=None)).rowcount


def fire_timers(ctx: Context, timer_ids: Sequence[int]) -> int:
    """Handle whatever is due on the timers' cases; each timer fires at most once.
    Returns how many fired."""
    ids = list(dict.fromkeys(timer_ids))
    return sum(_fire_batch(ctx, ids[i:i + BATCH]) for i in range(0, len(ids), BATCH))


def fire_timer(ctx: Context, timer_id: int) -> bool:
    return fire_timers(ctx, [timer_id]) == 1


def _fire_batch(ctx: Context, timer_ids: list[int]) -> int:
    with ctx.sessions.begin() as session:
        batch = CaseBatch(session, ctx)
        claimed = session.execute(select(Timer.id, Timer.case_id).where(
            Timer.id.in_(timer_ids), Timer.status == "claimed")).all()
        rows = batch.lock(case_id for _, case_id in claimed)
        # Re-read under the case locks: another worker may have fired them meanwhile.
        fired = session.execute(
            update(Timer).where(Timer.id.in_([timer_id for timer_id, _ in claimed]),
                                Timer.status == "claimed")
            .values(status="fired").returning(Timer.case_id)).scalars().all()
        for case_id in sorted(set(fired)):
            row = rows.get(case_id)
            if row is not None:
                batch.decide(row, case_from_dict(row.aggregate), Tick(), resync_timer=True)
        batch.finish()
    batch.followups.enqueue(ctx)
    return len(fired)
