"""The scheduler's sweep: claim due timers, and find work a lost broker message left behind.

The database rows are the truth; a broker message is only a hint to act soon. So every
signal still unprocessed, delivery still queued, or timer claim not finished after a short
while is handed out again — the handlers are idempotent, so a second hand-out is harmless.
A sweep returns what it found; the scheduler's loop (workers.scheduler) hands it on.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import exists, select

from warn.service.context import Context
from warn.service.timers import claim_due_timers, release_lost_claims
from warn.store.models import CaseRow, Delivery, SignalRow
from warn.work import Work

log = logging.getLogger(__name__)
REDRIVE_AFTER = timedelta(seconds=5)
REDRIVE_LIMIT = 1000
REDRIVE_BACKOFF_S = 15.0


@dataclass
class Sweeper:
    ctx: Context
    redrive_every_s: float = 1.0
    # Seconds for the sweeper's own pacing (never the case clock, which is ctx.now).
    monotonic: Callable[[], float] = time.monotonic
    _last_redrive: float = float("-inf")
    # id -> when this sweeper last handed it out again. Under a backlog, work waits longer
    # than REDRIVE_AFTER for no fault of the broker; handing it out every second would only
    # pile duplicate messages in front of new work.
    _handed_out: dict[str, float] = field(default_factory=dict)

    def sweep(self) -> Work:
        """One pass: the timers it claimed, and the lost work it found (once a second)."""
        work = Work()
        while True:
            ids = claim_due_timers(self.ctx)
            work.timers += ids
            if len(ids) < 1000:
                break
        if self.monotonic() - self._last_redrive >= self.redrive_every_s:
            self._last_redrive = self.monotonic()
            work.add(self.redrive())
        return work

    def redrive(self) -> Work:
        release_lost_claims(self.ctx)
        now = self.ctx.now()
        with self.ctx.reads() as session:
            received = (select(SignalRow.id).where(SignalRow.state == "received",
                                                   SignalRow.received_at < now - REDRIVE_AFTER)
                        .order_by(SignalRow.received_at).limit(REDRIVE_LIMIT))
            urgent = list(session.scalars(received.where(SignalRow.urgent)))
            bulk = list(session.scalars(received.where(SignalRow.urgent.is_(False))))
            never_claimed = list(session.scalars(
                select(Delivery.id).where(Delivery.state == "queued",
                                          Delivery.lease_until.is_(None),
                                          Delivery.created_at < now - REDRIVE_AFTER)
                .order_by(Delivery.created_at).limit(REDRIVE_LIMIT)))
            # A lapsed lease (a lost claim, or a pause between retry rounds) is handed out
            # at once, but each lapse only once per backoff: while every worker is busy the
            # lease stays lapsed, and a hand-out every second would flood the queue.
            lapsed = session.execute(
                select(Delivery.id, Delivery.lease_until).where(Delivery.state == "queued",
                                                                Delivery.lease_until < now)
                .order_by(Delivery.created_at).limit(REDRIVE_LIMIT)).all()
            teams_waiting = session.scalar(select(exists().where(
                CaseRow.flag_no_team, CaseRow.state == "open")))
        work = Work(urgent_signals=self._not_recent(urgent),
                    bulk_signals=self._not_recent(bulk), assign_teams=bool(teams_waiting))
        lapses = self._not_recent([f"{i}@{lease}" for i, lease in lapsed])
        work.deliveries = self._not_recent(never_claimed) + [key.split("@")[0]
                                                             for key in lapses]
        if work.urgent_signals or work.bulk_signals:
            log.info("re-driving %d unprocessed signals",
                     len(work.urgent_signals) + len(work.bulk_signals))
        if work.deliveries:
            log.info("re-driving %d queued deliveries", len(work.deliveries))
        return work

    def _not_recent(self, ids: list[str]) -> list[str]:
        now = self.monotonic()
        self._handed_out = {k: at for k, at in self._handed_out.items()
                            if now - at < REDRIVE_BACKOFF_S}
        fresh = [i for i in ids if i not in self._handed_out]
        self._handed_out.update(dict.fromkeys(fresh, now))
        return fresh
