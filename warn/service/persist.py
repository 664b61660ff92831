"""Writing one decision of the domain: the case row, its deliveries, timeline and timer."""

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from warn.domain.case import Case, case_to_dict, flags, next_deadline
from warn.domain.events import CancelQueued, CloseDispatch, Effect, Note, Send
from warn.service.messages import BodyRenderer
from warn.store.models import CaseRow, Delivery, TimelineEntry, Timer


def save_decision(session: Session, row: CaseRow | None, before: Case | None, case: Case,
                  effects: list[Effect], now: datetime, *, resync_timer: bool = False
                  ) -> list[str]:
    """Persist the case and carry out the effects; return the ids of deliveries to send.

    `resync_timer` replaces the case's timer even when the deadline did not move: a timer
    that fired and found nothing due must still leave a pending one behind."""
    row = _write_case(session, row, case, now)
    session.flush()
    renderer = BodyRenderer(session, case)
    new_deliveries: list[str] = []
    for effect in effects:
        if isinstance(effect, Send):
            session.add(_delivery_row(case, effect, renderer.body(effect), now))
            new_deliveries.append(effect.delivery_id)
        elif isinstance(effect, Note):
            session.add(TimelineEntry(case_id=case.id, at=effect.at, type=effect.type,
                                      actor=effect.actor, detail=effect.detail))
        elif isinstance(effect, CloseDispatch):
            session.execute(update(Delivery).where(Delivery.id == effect.delivery_id)
                            .values(dispatch_open=False))
        elif isinstance(effect, CancelQueued):
            session.flush()
            session.execute(update(Delivery).where(Delivery.case_id == case.id,
                                                   Delivery.state == "queued")
                            .values(state="cancelled"))
    unchanged = next_deadline(before) if before is not None and not resync_timer else None
    _sync_timer(session, case, unchanged)
    return new_deliveries


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
                    recipient=send.recipient, body=body, state="queued", attempts=0,
                    created_at=now, dispatch_open=send.channel == "mobile_team")


def _sync_timer(session: Session, case: Case, previous_due: datetime | None) -> None:
    """Keep exactly one pending timer per case, at the domain's next deadline."""
    due = next_deadline(case)
    if due is not None and due == previous_due:
        return
    session.execute(update(Timer).where(Timer.case_id == case.id, Timer.status == "pending")
                    .values(status="cancelled"))
    if due is not None:
        session.add(Timer(case_id=case.id, due_at=due, status="pending"))
