"""What people do to a case: confirm, decline, escalate, record an outcome, report results."""


from sqlalchemy import select

from warn.domain.case import Case
from warn.domain.events import Confirm, Decline, Escalate, RecordOutcome, ResultReported
from warn.service.cases import CaseBatch, apply_event, lock_case
from warn.service.context import Context
from warn.store.models import Delivery, DeliveryResult


class DeliveryNotFound(LookupError):
    pass


def confirm(ctx: Context, case_id: str, stage: int, actor: str) -> Case:
    return apply_event(ctx, case_id, Confirm(stage, actor))


def decline(ctx: Context, case_id: str, stage: int, actor: str, reason: str | None) -> Case:
    return apply_event(ctx, case_id, Decline(stage, actor, reason))


def escalate(ctx: Context, case_id: str, actor: str, reason: str | None) -> Case:
    return apply_event(ctx, case_id, Escalate(actor, reason))


def record_outcome(ctx: Context, case_id: str, outcome: str, actor: str,
                   note: str | None) -> Case:
    return apply_event(ctx, case_id, RecordOutcome(outcome, actor, note))


def _case_of_delivery(ctx: Context, delivery_id: str) -> str:
    with ctx.sessions() as session:
        case_id = session.scalar(select(Delivery.case_id).where(Delivery.id == delivery_id))
    if case_id is None:
        raise DeliveryNotFound(delivery_id)
    return case_id


def report_result(ctx: Context, delivery_id: str, result: str, actor: str,
                  note: str | None) -> Case:
    """Record the result (always), and let the case react to it, in one transaction."""
    case_id = _case_of_delivery(ctx, delivery_id)
    with ctx.sessions.begin() as session:
        row, case = lock_case(session, case_id)
        batch = CaseBatch(session, ctx)
        _, after = batch.decide(row, case, ResultReported(delivery_id, result, actor, note))
        session.add(DeliveryResult(delivery_id=delivery_id, result=result, note=note,
                                   actor=actor, at=ctx.now()))
        batch.finish()
    batch.followups.enqueue(ctx)
    return after

