"""Duty pages to an officer's device: at most one message per officer per `PAGE_EVERY`.

Each case keeps its own duty_page deliveries (CONTRACT §4). What reaches the officer is a
*page message* (`page_messages`) carrying every page that waited for it: the pages stay
`queued` until the message carrying them is accepted, then all become `sent` together.

Several workers may page one officer at once. Whether a message goes now is decided under
the officer's `pagers` row lock, and the message and what it carries are written in that
same transaction, before anything is sent: a second process finds the pages carried, or
the officer's minute not over, and sends nothing. Pages held for the officer's next
minute keep a lease that runs out at that moment, so the sweeper hands them out again
then (`warn.service.sweeper`); a message whose sender died keeps its id, and is sent
again under it once its lease has lapsed (the gateway answers "already accepted").
"""

import logging
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from jinja2 import TemplateNotFound
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from warn.channels.base import OutboundMessage
from warn.channels.sending import NotAccepted, send_with_retries
from warn.domain.durations import parse_duration
from warn.domain.paging import (
    PAGE_EVERY,
    PAGE_LENGTH,
    PageSummary,
    WaitingPage,
    plan,
    summarise,
)
from warn.domain.words import PAGE_REASONS, TIERS, word
from warn.render import environment
from warn.service.context import Context
from warn.service.leases import LEASE, PAUSE_BETWEEN_ROUNDS, ROUNDS
from warn.store.models import CaseRow, Delivery, PageMessage, Pager

log = logging.getLogger(__name__)
GROUP_TEMPLATE = "messages/duty_page_group.j2"
BUILT_IN_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
WAITING_LIMIT = 1000


def page_every() -> timedelta:
    """`WARN_PAGE_EVERY` (`1m`, `30s`): the shortest gap between two messages to one
    officer's device; one minute unless set."""
    raw = os.environ.get("WARN_PAGE_EVERY", "").strip()
    if not raw:
        return PAGE_EVERY
    try:
        return parse_duration(raw)
    except ValueError as error:
        # A page that never goes out for a typo would be the worst answer: say so, page.
        log.warning("WARN_PAGE_EVERY ignored, one minute used: %s", error)
        return PAGE_EVERY


@dataclass(frozen=True)
class PageFailed:
    case_id: str
    delivery_id: str
    officer: str
    reason: str


@dataclass
class Paged:
    states: dict[str, str] = field(default_factory=dict)  # delivery -> its state now
    failed: list[PageFailed] = field(default_factory=list)  # for their cases to hear


@dataclass(frozen=True)
class Carried:
    delivery_id: str
    case_id: str
    body: str
    page: WaitingPage


def send_pages(ctx: Context, officers: set[str]) -> Paged:
    """Send each officer's waiting pages if their minute is over, and any message to
    them whose sender was lost; hold the rest for the officer's next minute."""
    done = Paged()
    for officer in sorted(officers):
        for message_id, rounds in _take(ctx, officer):
            _send(ctx, officer, message_id, rounds, done)
    return done


def _take(ctx: Context, officer: str) -> list[tuple[str, int]]:
    """Under the officer's pager lock: the messages this process is now to send (a new
    one carrying the waiting pages, and lapsed ones), with how often each was taken."""
    now = ctx.now()
    with ctx.sessions.begin() as session:
        last_page_at = _lock_pager(session, officer)
        taken = [(message_id, rounds) for message_id, rounds in session.execute(
            update(PageMessage).where(PageMessage.officer == officer,
                                      PageMessage.state == "sending",
                                      PageMessage.lease_until < now)
            .values(lease_until=now + LEASE, rounds=PageMessage.rounds + 1)
            .returning(PageMessage.id, PageMessage.rounds))]
        for message_id, _ in taken:
            _lease_carried(session, message_id, now + LEASE)
        waiting = _waiting(session, officer)
        decided = plan(waiting, last_page_at, now, page_every())
        ids = [page.delivery_id for page in decided.carried]
        if ids:
            message_id = f"page-{uuid.uuid4().hex}"
            session.add(PageMessage(id=message_id, officer=officer, state="sending",
                                    created_at=now, lease_until=now + LEASE, rounds=1,
                                    attempts=0))
            session.flush()
            session.execute(update(Delivery).where(Delivery.id.in_(ids),
                                                   Delivery.state == "queued")
                            .values(page_message_id=message_id, lease_until=now + LEASE))
            session.execute(update(Pager).where(Pager.officer == officer)
                            .values(last_page_at=now))
            taken.append((message_id, 1))
        elif decided.not_before is not None:
            # Back in the sweeper's hands the moment the officer's minute is over.
            session.execute(update(Delivery).where(
                Delivery.id.in_([page.delivery_id for page in waiting]),
                Delivery.state == "queued").values(lease_until=decided.not_before))
    return taken


def _lock_pager(session: Session, officer: str) -> datetime | None:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(Pager).values(officer=officer, last_page_at=None)
                    .on_conflict_do_nothing())
    return session.scalar(select(Pager.last_page_at).where(Pager.officer == officer)
                          .with_for_update())


def _waiting(session: Session, officer: str) -> list[WaitingPage]:
    rows = session.execute(
        select(Delivery.id, Delivery.case_id, CaseRow.tier, Delivery.page_reason,
               Delivery.created_at)
        .join(CaseRow, CaseRow.id == Delivery.case_id)
        .where(Delivery.channel == "duty_page", Delivery.recipient == officer,
               Delivery.state == "queued", Delivery.page_message_id.is_(None))
        .order_by(Delivery.created_at, Delivery.id).limit(WAITING_LIMIT))
    return [WaitingPage(*row) for row in rows]


def _lease_carried(session: Session, message_id: str, until: datetime) -> None:
    session.execute(update(Delivery).where(Delivery.page_message_id == message_id,
                                           Delivery.state == "queued")
                    .values(lease_until=until))


def _carried(ctx: Context, message_id: str) -> list[Carried]:
    with ctx.reads() as session:
        rows = session.execute(
            select(Delivery.id, Delivery.case_id, Delivery.body, CaseRow.tier,
                   Delivery.page_reason, Delivery.created_at)
            .join(CaseRow, CaseRow.id == Delivery.case_id)
            .where(Delivery.page_message_id == message_id, Delivery.state == "queued")
            .order_by(Delivery.created_at, Delivery.id)).all()
    return [Carried(delivery_id, case_id, body,
                    WaitingPage(delivery_id, case_id, tier, reason, created_at))
            for delivery_id, case_id, body, tier, reason, created_at in rows]


def _send(ctx: Context, officer: str, message_id: str, rounds: int, done: Paged) -> None:
    carried = _carried(ctx, message_id)
    if not carried:  # every page it carried was cancelled (its case resolved) meanwhile
        _finish(ctx, message_id, "cancelled", None, 0)
        return
    message = OutboundMessage(delivery_id=message_id, channel="duty_page", recipient=officer,
                              body=page_body(carried),
                              carries=tuple(c.delivery_id for c in carried))
    try:
        outcome = send_with_retries(ctx.gateways["duty_page"], message)
    except NotAccepted as failure:
        _not_accepted(ctx, officer, message_id, rounds, carried, failure, done)
        return
    sent = _finish(ctx, message_id, "sent", None, outcome.attempts)
    done.states.update(dict.fromkeys(sent, "sent"))


def _not_accepted(ctx: Context, officer: str, message_id: str, rounds: int,
                  carried: list[Carried], failure: NotAccepted, done: Paged) -> None:
    reason = failure.reason[:500]
    if failure.permanent or rounds >= ROUNDS:
        _finish(ctx, message_id, "failed", reason, failure.attempts)
        done.failed += [PageFailed(c.case_id, c.delivery_id, officer, reason) for c in carried]
        return
    # Given back a little later: the sweeper hands its pages out again, and this message
    # goes again under its own id.
    until = ctx.now() + PAUSE_BETWEEN_ROUNDS
    with ctx.sessions.begin() as session:
        session.execute(update(PageMessage).where(PageMessage.id == message_id)
                        .values(lease_until=until, last_error=reason,
                                attempts=PageMessage.attempts + failure.attempts))
        _lease_carried(session, message_id, until)
    done.states.update(dict.fromkeys((c.delivery_id for c in carried), "queued"))


def _finish(ctx: Context, message_id: str, state: str, error: str | None,
            attempts: int) -> list[str]:
    """The message's end; when sent, every page it carried is sent with it, at one time.
    Returns the pages marked sent."""
    now = ctx.now()
    with ctx.sessions.begin() as session:
        session.execute(update(PageMessage).where(PageMessage.id == message_id)
                        .values(state=state, last_error=error, lease_until=None,
                                sent_at=now if state == "sent" else None,
                                attempts=PageMessage.attempts + attempts))
        if state != "sent":
            return []
        return list(session.scalars(
            update(Delivery).where(Delivery.page_message_id == message_id,
                                   Delivery.state == "queued")
            .values(state="sent", sent_at=now, lease_until=None,
                    attempts=Delivery.attempts + 1)
            .returning(Delivery.id)))


def page_body(carried: list[Carried]) -> str:
    """A single case's page is that page's own text, as its delivery shows it; several
    cases make one short page naming the first few and counting the rest."""
    summary = summarise(c.page for c in carried)
    if summary.cases == 1:
        ordered = plan([c.page for c in carried], None, carried[0].page.created_at).carried
        return next(c.body for c in carried if c.delivery_id == ordered[0].delivery_id)
    named = len(summary.named)
    body = _group_text(summary)
    while len(body) > PAGE_LENGTH and named > 0:
        named -= 1
        body = _group_text(summarise((c.page for c in carried), named))
    return body


def _group_text(summary: PageSummary) -> str:
    try:
        template = environment().get_template(GROUP_TEMPLATE)
    except TemplateNotFound:
        # A templates folder of the site's own, made before grouped pages existed.
        template = environment(BUILT_IN_TEMPLATES).get_template(GROUP_TEMPLATE)
    text = template.render(
        cases=summary.cases, more=summary.more,
        tiers=[(word(TIERS, tier), count) for tier, count in summary.tiers],
        named=[(need.case_id, word(PAGE_REASONS, need.reason or "")) for need in summary.named])
    return "".join(line.strip() for line in text.splitlines())
