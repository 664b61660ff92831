"""The scheduler's loop: fire due timers, and re-drive work a lost broker message left behind.

The database rows are the truth; a broker message is only a hint to act soon. So every
signal still unprocessed, delivery still queued, or timer claim not finished after a short
while is handed out again — the handlers are idempotent, so a second hand-out is harmless.
"""

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import exists, select

from warn.service.context import Context
from warn.service.timers import claim_due_timers, release_lost_claims
from warn.store.models import CaseRow, Delivery, SignalRow

log = logging.getLogger(__name__)
REDRIVE_AFTER = timedelta(seconds=5)
REDRIVE_LIMIT = 1000
REDRIVE_BACKOFF_S = 15.0


@dataclass
class Sweeper:
    ctx: Context
    interval_s: float = 0.1
    redrive_every_s: float = 1.0
    _last_redrive: float = 0.0
    # id -> when this sweeper last handed it out again. Under a backlog, work waits longer
    # than REDRIVE_AFTER for no fault of the broker; handing it out every second would only
    # pile duplicate messages in front of new work.
    _handed_out: dict[str, float] = field(default_factory=dict)

    def sweep(self) -> int:
        """One pass; returns how many timers it handed out."""
        fired = 0
        while True:
            ids = claim_due_timers(self.ctx)
            if ids:
                self.ctx.dispatcher.fire_timers(ids)
                fired += len(ids)
            if len(ids) < 1000:
                break
        if time.monotonic() - self._last_redrive >= self.redrive_every_s:
            self._last_redrive = time.monotonic()
            self.redrive()
        return fired

    def redrive(self) -> None:
        release_lost_claims(self.ctx)
        now = self.ctx.now()
        with self.ctx.sessions() as session:
            signals = list(session.scalars(
                select(SignalRow.id).where(SignalRow.state == "received",
                                           SignalRow.received_at < now - REDRIVE_AFTER)
                .order_by(SignalRow.received_at).limit(REDRIVE_LIMIT)))
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
        signals = self._not_recent(signals)
        lapses = self._not_recent([f"{i}@{lease}" for i, lease in lapsed])
        deliveries = self._not_recent(never_claimed) + [key.split("@")[0] for key in lapses]
        if signals:
            log.info("re-driving %d unprocessed signals", len(signals))
            self.ctx.dispatcher.process_signals(signals)
        if deliveries:
            log.info("re-driving %d queued deliveries", len(deliveries))
            self.ctx.dispatcher.deliver(deliveries)
        if teams_waiting:
            self.ctx.dispatcher.assign_teams()

    def _not_recent(self, ids: list[str]) -> list[str]:
        now = time.monotonic()
        self._handed_out = {k: at for k, at in self._handed_out.items()
                            if now - at < REDRIVE_BACKOFF_S}
        fresh = [i for i in ids if i not in self._handed_out]
        self._handed_out.update(dict.fromkeys(fresh, now))
        return fresh

    def run(self, stop: threading.Event) -> None:
        """Sweep until `stop` is set; a failing sweep (database down) is logged and retried."""
        while not stop.is_set():
            try:
                self.sweep()
            except Exception:
                log.exception("sweep failed; retrying")
                stop.wait(1.0)
            stop.wait(self.interval_s)
