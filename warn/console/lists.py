"""Which cases each console list shows, in which order — always inside the reader's scope
(warn.access.scope), as (case id, version) pairs that digest.py turns into rows."""

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, case, or_, select
from sqlalchemy.orm import Session

from warn.access.principal import Principal
from warn.access.scope import case_scope
from warn.store.models import CaseRow, Delivery

Keys = list[tuple[str, int]]
QUEUE_LIMIT = 300
RECENT_LIMIT = 12


def _urgency() -> list[ColumnElement[int]]:
    """Overdue confirmations, then other confirmations; then tier; then cases that need a
    person (no team free, ladder exhausted, stuck) before those the ladder still runs by
    itself."""
    asking = case((CaseRow.flag_overdue.is_(True), 0), (CaseRow.flag_awaiting.is_(True), 1),
                  else_=2)
    tier = case({"high": 0, "medium": 1}, value=CaseRow.tier, else_=2)
    needs_person = case((or_(CaseRow.flag_no_team.is_(True), CaseRow.flag_exhausted.is_(True),
                             CaseRow.flag_stuck.is_(True)), 0), else_=1)
    return [asking, tier, needs_person]


def queue_keys(session: Session, user: Principal, limit: int = QUEUE_LIMIT) -> Keys:
    """Open cases, most urgent first; the oldest first among equals (it has waited longest)."""
    query = (select(CaseRow.id, CaseRow.version)
             .where(CaseRow.state == "open", case_scope(user))
             .order_by(*_urgency(), CaseRow.opened_at, CaseRow.id).limit(limit))
    return [(row.id, row.version) for row in session.execute(query)]


def recent_keys(session: Session, user: Principal, since: datetime,
                limit: int = RECENT_LIMIT) -> Keys:
    """Cases resolved since `since`, newest first: where a case went that left the queue."""
    query = (select(CaseRow.id, CaseRow.version)
             .where(CaseRow.state == "resolved", CaseRow.resolved_at >= since,
                    case_scope(user))
             .order_by(CaseRow.resolved_at.desc(), CaseRow.id).limit(limit))
    return [(row.id, row.version) for row in session.execute(query)]


def field_keys(session: Session, user: Principal, since: datetime, limit: int = 100) -> Keys:
    """A liaison's or a team's cases: every open one, and those resolved since `since`."""
    query = (select(CaseRow.id, CaseRow.version)
             .where(case_scope(user), or_(CaseRow.state == "open", CaseRow.resolved_at >= since))
             .order_by(case((CaseRow.state == "open", 0), else_=1), CaseRow.updated_at.desc(),
                       CaseRow.id).limit(limit))
    return [(row.id, row.version) for row in session.execute(query)]


def field_deliveries(session: Session, user: Principal, case_ids: Sequence[str]
                     ) -> dict[str, list[Delivery]]:
    """The deliveries a liaison or team acts on, per case: the school's school_group
    messages (the user's own first), or the team's own mobile_team dispatches."""
    if not case_ids:
        return {}
    query = select(Delivery).where(Delivery.case_id.in_(list(case_ids)))
    if user.role == "team":
        query = query.where(Delivery.channel == "mobile_team", Delivery.recipient == user.team)
    else:
        query = query.where(Delivery.channel == "school_group")
    found: dict[str, list[Delivery]] = {}
    for row in session.scalars(query.order_by(Delivery.created_at, Delivery.id)):
        found.setdefault(row.case_id, []).append(row)
    for rows in found.values():
        rows.sort(key=lambda row: row.recipient != user.name)
    return found


def signature(*parts: Keys) -> str:
    """Changes whenever a listed case is added, removed, reordered or written to."""
    text = "|".join(",".join(f"{case_id}:{version}" for case_id, version in keys)
                    for keys in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
