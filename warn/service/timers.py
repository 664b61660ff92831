"""Timers live in the database: claimed by the scheduler, fired by a worker."""

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select, update

from warn.domain.events import Tick
from warn.service.cases import CaseNotFound, Followups, apply_in_session, lock_case
from warn.service.context import Context
from warn.store.models import Timer

# A claimed timer whose fire_timer never finished (lost message, dead worker) goes back
# to pending after this long.
CLAIM_LEASE = timedelta(seconds=15)


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


def fire_timers(ctx: Context, timer_ids: Sequence[int]) -> None:
    for timer_id in timer_ids:
        fire_timer(ctx, timer_id)


def fire_timer(ctx: Context, timer_id: int) -> bool:
    """Handle whatever is due on the timer's case. A timer fires at most once."""
    followups = Followups()
    with ctx.sessions.begin() as session:
        timer = session.get(Timer, timer_id)
        if timer is None or timer.status != "claimed":
            return False
        try:
            row, case = lock_case(session, timer.case_id)
        except CaseNotFound:
            return False
        session.refresh(timer)
        if timer.status != "claimed":
            return False
        timer.status = "fired"
        apply_in_session(session, ctx, row, case, Tick(), followups, resync_timer=True)
    followups.enqueue(ctx)
    return True
