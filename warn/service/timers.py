"""Timers live in the database: claimed by the scheduler, fired by a worker in batches."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import literal_column, select, update

from warn.decisions.batch import CaseBatch, lock_case, parsed_case
from warn.decisions.writes import DecisionFailed
from warn.domain.events import Tick
from warn.service.containment import STORE_TROUBLE, describe, on_fresh_facts, retry_alone
from warn.service.context import Context
from warn.store.many import any_of
from warn.store.models import Timer
from warn.work import Work

# A claimed timer whose fire_timers never finished (lost message, dead worker) goes back
# to pending after this long.
CLAIM_LEASE = timedelta(seconds=15)
BATCH = 500


def claim_due_timers(ctx: Context, limit: int = 1000) -> list[int]:
    """Claim up to `limit` due timers. Safe with several schedulers: each timer is claimed
    once (SKIP LOCKED on PostgreSQL; SQLite serialises writers)."""
    now = ctx.now()
    with ctx.sessions.begin() as session:
        # 'pending' written out, for the partial index of pending timers (see lock_open)
        due = (select(Timer.id).where(Timer.status == literal_column("'pending'"),
                                      Timer.due_at <= now)
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


def fire_timers(ctx: Context, timer_ids: Sequence[int]) -> tuple[int, Work]:
    """Handle whatever is due on the timers' cases; each timer fires at most once.
    Returns how many fired, and what the cases' decisions left to be done."""
    ids = list(dict.fromkeys(timer_ids))
    fired, work = 0, Work()
    for start in range(0, len(ids), BATCH):
        count, more = _contained(ctx, ids[start:start + BATCH])
        fired, work = fired + count, work.add(more)
    return fired, work


def fire_timer(ctx: Context, timer_id: int) -> bool:
    return fire_timers(ctx, [timer_id])[0] == 1


@dataclass
class Fired:
    count: int
    work: Work
    # case id -> (what failed, its timers): they stay claimed for the retry alone
    failed: dict[str, tuple[str, list[int]]] = field(default_factory=dict)


def _contained(ctx: Context, timer_ids: list[int]) -> tuple[int, Work]:
    try:
        done = on_fresh_facts(lambda: _fire_batch(ctx, timer_ids))
    except STORE_TROUBLE:
        raise
    except Exception as error:
        if len(timer_ids) > 1:
            # The batch's writes failed together: each timer again, on its own.
            parts = [_contained(ctx, [timer_id]) for timer_id in timer_ids]
            return sum(count for count, _ in parts), Work.of(work for _, work in parts)
        case_id = _case_of(ctx, timer_ids[0])
        if case_id is None:
            raise
        done = Fired(0, Work(), {case_id: (describe(error), timer_ids)})
    for case_id, (what_failed, timers) in done.failed.items():
        done.work.add(retry_alone(what_failed, lambda t=timers, c=case_id: _alone(ctx, c, t),
                                  lambda what, c=case_id, t=timers: _stick(ctx, c, t, what)))
    return done.count, done.work


def _case_of(ctx: Context, timer_id: int) -> str | None:
    with ctx.reads() as session:
        return session.scalar(select(Timer.case_id).where(Timer.id == timer_id,
                                                          Timer.status == "claimed"))


def _alone(ctx: Context, case_id: str, timer_ids: list[int]) -> Work | str:
    done = _fire_batch(ctx, timer_ids)
    return done.failed[case_id][0] if case_id in done.failed else done.work


def _fire_batch(ctx: Context, timer_ids: list[int]) -> Fired:
    with ctx.sessions.begin() as session:
        batch = CaseBatch(session, ctx)
        claimed = session.execute(select(Timer.id, Timer.case_id).where(
            any_of(session, Timer.id, timer_ids), Timer.status == "claimed")).all()
        rows = batch.lock(case_id for _, case_id in claimed)
        # Re-read under the case locks: another worker may have fired them meanwhile.
        fired = session.execute(
            update(Timer).where(any_of(session, Timer.id, [t for t, _ in claimed]),
                                Timer.status == "claimed")
            .values(status="fired").returning(Timer.id, Timer.case_id)).all()
        failed: dict[str, tuple[str, list[int]]] = {}
        for case_id in sorted({case_id for _, case_id in fired}):
            row = rows.get(case_id)
            if row is None:
                continue
            try:
                batch.decide(row, parsed_case(row), Tick(), resync_timer=True)
            except DecisionFailed as failure:
                failed[case_id] = (str(failure), [t for t, c in fired if c == case_id])
        if failed:
            # Claimed again, not fired: tried alone next, or released if this worker dies.
            session.execute(update(Timer).where(
                Timer.id.in_([t for _, ts in failed.values() for t in ts]))
                .values(status="claimed", claimed_until=ctx.now() + CLAIM_LEASE))
        work = batch.finish()
    return Fired(len(fired) - sum(len(ts) for _, ts in failed.values()), work, failed)


def _stick(ctx: Context, case_id: str, timer_ids: list[int], what_failed: str) -> Work:
    """The case's ladder stops: its timers are done with, and no new one is made."""
    with ctx.sessions.begin() as session:
        batch = CaseBatch(session, ctx)
        row, case = lock_case(batch, case_id)
        session.execute(update(Timer).where(Timer.id.in_(timer_ids), Timer.status == "claimed")
                        .values(status="fired"))
        batch.mark_stuck(row, case, what_failed)
        return batch.finish()
