"""What people do to a case: confirm, decline, escalate, record an outcome, report results.

Each takes effect in one transaction and returns the case as it now is, with the work
its decision made (the deliveries to send, a team freed) for the caller to hand on.
"""

from sqlalchemy import select

from warn.decisions.batch import CaseBatch, lock_case
from warn.domain.case import Case
from warn.domain.events import (
    Confirm,
    Decline,
    Escalate,
    Event,
    Missing,
    RecordOutcome,
    ResultReported,
    SendTeamNow,
)
from warn.service.containment import on_fresh_facts
from warn.service.context import Context
from warn.store.models import Delivery, DeliveryResult
from warn.work import Work

Done = tuple[Case, Work]


class DeliveryNotFound(Missing):
    pass


def apply_event(ctx: Context, case_id: str, event: Event) -> Done:
    """Lock the case, decide, write, commit."""
    return on_fresh_facts(lambda: _apply(ctx, case_id, event))


def _apply(ctx: Context, case_id: str, event: Event) -> Done:
    with ctx.sessions.begin() as session:
        batch = CaseBatch(session, ctx)
        row, case = lock_case(batch, case_id)
        _, after = batch.decide(row, case, event)
        return after, batch.finish()


def confirm(ctx: Context, case_id: str, stage: int, actor: str,
            team: str | None = None) -> Done:
    return apply_event(ctx, case_id, Confirm(stage, actor, team))


def send_team_now(ctx: Context, case_id: str, actor: str, team: str | None,
                  reason: str | None) -> Done:
    return apply_event(ctx, case_id, SendTeamNow(actor, team, reason))


def decline(ctx: Context, case_id: str, stage: int, actor: str, reason: str | None) -> Done:
    return apply_event(ctx, case_id, Decline(stage, actor, reason))


def escalate(ctx: Context, case_id: str, actor: str, reason: str | None) -> Done:
    return apply_event(ctx, case_id, Escalate(actor, reason))


def record_outcome(ctx: Context, case_id: str, outcome: str, actor: str,
                   note: str | None) -> Done:
    return apply_event(ctx, case_id, RecordOutcome(outcome, actor, note))


def _case_of_delivery(ctx: Context, delivery_id: str) -> str:
    with ctx.reads() as session:
        case_id = session.scalar(select(Delivery.case_id).where(Delivery.id == delivery_id))
    if case_id is None:
        raise DeliveryNotFound(delivery_id)
    return case_id


def report_result(ctx: Context, delivery_id: str, result: str, actor: str,
                  note: str | None) -> Done:
    """Record the result (always), and let the case react to it, in one transaction."""
    case_id = _case_of_delivery(ctx, delivery_id)
    return on_fresh_facts(lambda: _report(ctx, case_id, delivery_id, result, actor, note))


def _report(ctx: Context, case_id: str, delivery_id: str, result: str, actor: str,
            note: str | None) -> Done:
    with ctx.sessions.begin() as session:
        batch = CaseBatch(session, ctx)
        row, case = lock_case(batch, case_id)
        if not case.subject.msisdn:
            # A purged case: its result still counts, but free text about the person
            # would outlive the purge that forgot them.
            note = None
        _, after = batch.decide(row, case, ResultReported(delivery_id, result, actor, note))
        session.add(DeliveryResult(delivery_id=delivery_id, result=result, note=note,
                                   actor=actor, at=ctx.now()))
        return after, batch.finish()
