"""deliver: claim a queued delivery, send it with its id as idempotency key, record the end."""

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import or_, update

from warn.channels.base import OutboundMessage
from warn.channels.sending import DeliveryFailed as SendFailed
from warn.channels.sending import send_with_retries
from warn.domain.events import DeliveryFailed
from warn.service.cases import Followups, apply_in_session, lock_case
from warn.service.context import Context
from warn.store.models import Delivery

# Longer than the slowest send with all its retries: a claim older than this was lost
# with its worker, and the sweeper hands the delivery out again (same idempotency key).
LEASE = timedelta(seconds=30)
# A gateway that keeps failing transiently gets this many rounds of retries, a few
# seconds apart (the sweeper re-drives), before the delivery counts as failed.
ROUNDS = 3
PAUSE_BETWEEN_ROUNDS = timedelta(seconds=2)


def deliver_many(ctx: Context, delivery_ids: Sequence[str]) -> None:
    for delivery_id in delivery_ids:
        deliver(ctx, delivery_id)


def deliver(ctx: Context, delivery_id: str) -> str | None:
    """Returns the delivery's new state, or None when somebody else has it or it is done."""
    claimed = _claim(ctx, delivery_id)
    if claimed is None:
        return None
    case_id, rounds, message = claimed
    try:
        outcome = send_with_retries(ctx.gateways[message.channel], message)
    except SendFailed as failure:
        if failure.permanent or rounds >= ROUNDS:
            _record_failure(ctx, case_id, message, failure.reason, failure.attempts)
            return "failed"
        _pause(ctx, delivery_id, failure.attempts, failure.reason)
        return "queued"
    with ctx.sessions.begin() as session:
        session.execute(update(Delivery).where(Delivery.id == delivery_id,
                                               Delivery.state == "queued")
                        .values(state="sent", sent_at=ctx.now(), lease_until=None,
                                attempts=Delivery.attempts + outcome.attempts))
    return "sent"


def _claim(ctx: Context, delivery_id: str) -> tuple[str, int, OutboundMessage] | None:
    """Take the delivery for LEASE; returns (case id, rounds so far, message)."""
    now = ctx.now()
    with ctx.sessions.begin() as session:
        claimed = session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.state == "queued",
                   or_(Delivery.lease_until.is_(None), Delivery.lease_until < now))
            .values(lease_until=now + LEASE, rounds=Delivery.rounds + 1)
            .returning(Delivery.case_id, Delivery.rounds, Delivery.channel, Delivery.recipient,
                       Delivery.body)
        ).one_or_none()
    if claimed is None:
        return None
    case_id, rounds, channel, recipient, body = claimed
    return case_id, rounds, OutboundMessage(delivery_id=delivery_id, channel=channel,
                                            recipient=recipient, body=body)


def _pause(ctx: Context, delivery_id: str, attempts: int, reason: str) -> None:
    """Give the claim back a little later; the sweeper picks the delivery up again."""
    with ctx.sessions.begin() as session:
        session.execute(update(Delivery).where(Delivery.id == delivery_id,
                                               Delivery.state == "queued")
                        .values(lease_until=ctx.now() + PAUSE_BETWEEN_ROUNDS,
                                attempts=Delivery.attempts + attempts,
                                last_error=reason[:500]))


def _record_failure(ctx: Context, case_id: str, message: OutboundMessage, reason: str,
                    attempts: int) -> None:
    """Mark the delivery failed and tell its case, in one transaction."""
    followups = Followups()
    with ctx.sessions.begin() as session:
        row, case = lock_case(session, case_id)
        changed = session.execute(
            update(Delivery).where(Delivery.id == message.delivery_id,
                                   Delivery.state == "queued")
            .values(state="failed", last_error=reason[:500], lease_until=None,
                    attempts=Delivery.attempts + attempts)).rowcount
        if changed:
            apply_in_session(session, ctx, row, case,
                             DeliveryFailed(message.delivery_id, reason), followups)
    followups.enqueue(ctx)
