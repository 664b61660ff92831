"""Writing decisions of the domain: case rows, deliveries, timeline entries and timers.

A `Writer` collects the writes of many decisions in one transaction and lets SQLAlchemy
send them as a few multi-row statements at flush, instead of round trips per case.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from warn.domain.case import Case, case_to_dict, flags, next_deadline
from warn.domain.events import CancelQueued, CloseDispatch, Effect, Note, Send
from warn.service.messages import BodyRenderer
from warn.store.models import CaseRow, Delivery, TimelineEntry, Timer


@dataclass
class Writer:
    session: Session
    new_deliveries: list[str] = field(default_factory=list)
    # case id -> the deadline its one pending timer must have (None: no timer)
    _timers: dict[str, datetime | None] = field(default_factory=dict)
    _fresh_cases: set[str] = field(default_factory=set)

    def save(self, row: CaseRow | None, before: Case | None, case: Case,
             effects: list[Effect], now: datetime, *, resync_timer: bool = False) -> CaseRow:
        """Write one decision; returns the case's row (new for a new case).

        `resync_timer` replaces the case's timer even when the deadline did not move: a
        timer that fired and found nothing due must still leave a pending one behind."""
        if row is None:
            self._fresh_cases.add(case.id)
        row = _write_case(self.session, row, case, now)
        renderer = BodyRenderer(self.session, case)
        for effect in effects:
            self._carry_out(effect, case, renderer, now)
        due = next_deadline(case)
        if case.id in self._timers or resync_timer or before is None or (
                next_deadline(before) != due):
            self._timers[case.id] = due
        return row

    def _carry_out(self, effect: Effect, case: Case, renderer: BodyRenderer,
                   now: datetime) -> None:
        if isinstance(effect, Send):
            self.session.add(_delivery_row(case, effect, renderer.body(effect), now))
            self.new_deliveries.append(effect.delivery_id)
        elif isinstance(effect, Note):
            self.session.add(TimelineEntry(case_id=case.id, at=effect.at, type=effect.type,
                                           actor=effect.actor, detail=effect.detail))
        elif isinstance(effect, CloseDispatch):
            self.session.execute(update(Delivery).where(Delivery.id == effect.delivery_id)
                                 .values(dispatch_open=False))
        elif isinstance(effect, CancelQueued):
            self.session.execute(update(Delivery).where(Delivery.case_id == case.id,
                                                        Delivery.state == "queued")
                                 .values(state="cancelled"))

    def finish(self) -> None:
        """Replace the timers of every case whose deadline moved, then flush everything."""
        stale = [case_id for case_id in self._timers if case_id not in self._fresh_cases]
        self.session.flush()
        if stale:
            self.session.execute(update(Timer).where(Timer.case_id.in_(stale),
                                                     Timer.status == "pending")
                                 .values(status="cancelled"))
        self.session.add_all(Timer(case_id=case_id, due_at=due, status="pending")
                             for case_id, due in self._timers.items() if due is not None)
        self._timers.clear()
        self.session.flush()


def _write_case(session: Session, row: CaseRow | None, case: Case, now: datetime) -> CaseRow:
    if row is None:
        row = CaseRow(id=case.id, msisdn=case.subject.msisdn, district=case.subject.district,
                      school=case.subject.school, opened_at=case.opened_at, version=0)
        session.add(row)
    current = flags(case)
    row.state, row.outcome, row.tier, row.score = case.state, case.outcome, case.tier, case.score
    row.flag_awaiting = "awaiting_confirmation" in current
    row.flag_overdue = "overdue" in current
    row.flag_no_team = "no_team" in current
    row.flag_exhausted = "exhausted" in current
    row.updated_at, row.last_signal_at, row.resolved_at = now, case.last_signal_at, case.resolved_at
    if case.school_notified and row.school_notified_at is None:
        row.school_notified_at = now
    row.aggregate = case_to_dict(case)
    row.version = (row.version or 0) + 1
    return row


def _delivery_row(case: Case, send: Send, body: str, now: datetime) -> Delivery:
    return Delivery(id=send.delivery_id, case_id=case.id, stage=send.stage, channel=send.channel,
                    recipient=send.recipient, body=body, state="queued", attempts=0, rounds=0,
                    created_at=now, dispatch_open=send.channel == "mobile_team")
