"""An officer's duty pages not yet acknowledged, and acknowledging them in one go.

Acknowledging records the result `acknowledged` on each duty_page delivery (CONTRACT §3
allows it there), through the case's own decision, as the API's result endpoint does. A
page still held for the officer's next grouped message is not sent any more: it is
cancelled, since the officer has just read it on the console.
"""

from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists, func, select, update
from sqlalchemy.orm import Session

from warn.decisions.batch import CaseBatch, parsed_case
from warn.decisions.writes import DecisionFailed
from warn.domain.events import ResultReported
from warn.service.containment import on_fresh_facts
from warn.service.context import Context
from warn.store.models import CaseRow, Delivery, DeliveryResult
from warn.work import Work

SHOWN_AT_MOST = 200
ANSWERED_IN_CONSOLE = "已在控制台确认，不再发送"


@dataclass(frozen=True)
class UnansweredPage:
    delivery_id: str
    case_id: str
    tier: str
    reason: str | None
    created_at: datetime
    state: str  # queued (waiting for the officer's next message) | sent


def _unanswered(officer: str) -> list[ColumnElement[bool]]:
    acknowledged = exists().where(DeliveryResult.delivery_id == Delivery.id,
                                  DeliveryResult.result == "acknowledged")
    return [Delivery.channel == "duty_page", Delivery.recipient == officer,
            Delivery.state.in_(("queued", "sent")), CaseRow.state == "open", ~acknowledged]


def count_unanswered(session: Session, officer: str) -> int:
    """How many of the officer's pages of open cases nobody has acknowledged."""
    query = (select(func.count()).select_from(Delivery)
             .join(CaseRow, CaseRow.id == Delivery.case_id).where(*_unanswered(officer)))
    return int(session.scalar(query) or 0)


def unanswered(session: Session, officer: str,
               limit: int = SHOWN_AT_MOST) -> list[UnansweredPage]:
    """The officer's unacknowledged pages of open cases, newest first."""
    query = (select(Delivery.id, Delivery.case_id, CaseRow.tier, Delivery.page_reason,
                    Delivery.created_at, Delivery.state)
             .join(CaseRow, CaseRow.id == Delivery.case_id).where(*_unanswered(officer))
             .order_by(Delivery.created_at.desc(), Delivery.id.desc()).limit(limit))
    return [UnansweredPage(*row) for row in session.execute(query)]


def acknowledge(ctx: Context, officer: str, delivery_ids: Iterable[str]) -> tuple[list[str], Work]:
    """Acknowledge those of `delivery_ids` that are `officer`'s own unacknowledged pages
    (others are left alone); returns the pages acknowledged, and the work it made."""
    wanted = sorted(set(delivery_ids))
    if not wanted:
        return [], Work()
    return on_fresh_facts(lambda: _acknowledge(ctx, officer, wanted))


def _acknowledge(ctx: Context, officer: str, wanted: list[str]) -> tuple[list[str], Work]:
    now = ctx.now()
    with ctx.sessions.begin() as session:
        pages = session.execute(
            select(Delivery.id, Delivery.case_id).join(CaseRow, CaseRow.id == Delivery.case_id)
            .where(Delivery.id.in_(wanted), *_unanswered(officer))
            .order_by(Delivery.case_id, Delivery.id)).all()
        batch = CaseBatch(session, ctx)
        rows = batch.lock(case_id for _, case_id in pages)
        done: list[str] = []
        for delivery_id, case_id in pages:
            row = rows.get(case_id)
            if row is None:
                continue
            event = ResultReported(delivery_id, "acknowledged", officer, None)
            # A case that cannot take it now still has the result on record.
            with suppress(DecisionFailed):
                rows[case_id], _ = batch.decide(row, parsed_case(row), event)
            session.add(DeliveryResult(delivery_id=delivery_id, result="acknowledged",
                                       note=None, actor=officer, at=now))
            done.append(delivery_id)
        work = batch.finish()
        if done:
            session.execute(update(Delivery).where(
                Delivery.id.in_(done), Delivery.state == "queued",
                Delivery.page_message_id.is_(None))
                .values(state="cancelled", lease_until=None, last_error=ANSWERED_IN_CONSOLE))
    return done, work
