"""What the API and the console read about cases: plain functions over a session, always
within a user's scope and showing only what that user may see."""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, not_, or_, select
from sqlalchemy.orm import Session

from warn.access.errors import invalid
from warn.access.principal import Principal
from warn.access.scope import INTERNAL_ENTRIES, case_scope, sees_internals
from warn.domain.words import CHANNELS
from warn.store.models import CaseRow, Delivery, DeliveryResult, SignalRow, TimelineEntry

FLAG_COLUMNS = {"awaiting_confirmation": CaseRow.flag_awaiting, "overdue": CaseRow.flag_overdue,
                "no_team": CaseRow.flag_no_team, "exhausted": CaseRow.flag_exhausted,
                "stuck": CaseRow.flag_stuck, "unknown_school": CaseRow.flag_unknown_school,
                "unknown_district": CaseRow.flag_unknown_district}


@dataclass(frozen=True)
class CaseFilter:
    state: str | None = None
    tier: str | None = None
    flag: str | None = None
    limit: int = 50
    cursor: str | None = None
    sort: str = "newest"  # newest | urgency


# What needs an officer now (CONTRACT §3 `sort=urgency`): the ladder cannot go on without one.
NEEDS_NOW_FLAGS = ("overdue", "awaiting_confirmation", "no_team", "stuck", "exhausted")
TIER_RANK = case({"high": 0, "medium": 1}, value=CaseRow.tier, else_=2)
NEEDS_NOW = case((or_(*(FLAG_COLUMNS[flag].is_(True) for flag in NEEDS_NOW_FLAGS)), 0),
                 else_=1)
_NO_DEADLINE = case((CaseRow.deadline_at.is_(None), 1), else_=0)
# The duty room's order: by tier; within a tier what needs an officer now; then the nearest
# pending deadline (a missed confirmation's is nearest of all); then the oldest.
URGENCY_ORDER = (TIER_RANK, NEEDS_NOW, _NO_DEADLINE, CaseRow.deadline_at, CaseRow.opened_at,
                 CaseRow.id)


def readable_case(session: Session, user: Principal, case_id: str) -> CaseRow | None:
    return session.scalars(select(CaseRow).where(CaseRow.id == case_id,
                                                 case_scope(user))).one_or_none()


def list_cases(session: Session, user: Principal, query: CaseFilter
               ) -> tuple[list[CaseRow], str | None]:
    """A page of cases, newest first (opened_at desc, id desc), and the next page's cursor."""
    conditions: list[ColumnElement[bool]] = [case_scope(user)]
    if query.state:
        conditions.append(CaseRow.state == query.state)
    if query.tier:
        conditions.append(CaseRow.tier == query.tier)
    if query.flag:
        conditions.append(FLAG_COLUMNS[query.flag].is_(True))
    if query.sort == "urgency":
        return _urgency_page(session, conditions, query)
    if query.cursor:
        opened_at, case_id = decode_cursor(query.cursor)
        conditions.append(or_(CaseRow.opened_at < opened_at,
                              and_(CaseRow.opened_at == opened_at, CaseRow.id < case_id)))
    rows = list(session.scalars(select(CaseRow).where(*conditions)
                                .order_by(CaseRow.opened_at.desc(), CaseRow.id.desc())
                                .limit(query.limit + 1)))
    if len(rows) <= query.limit:
        return rows, None
    rows = rows[:query.limit]
    return rows, encode_cursor(rows[-1].opened_at, rows[-1].id)


def _urgency_page(session: Session, conditions: list[ColumnElement[bool]], query: CaseFilter
                  ) -> tuple[list[CaseRow], str | None]:
    if query.cursor:
        conditions.append(_after_in_urgency(_decode_urgency_cursor(query.cursor)))
    selected = select(CaseRow, TIER_RANK.label("tier_rank"), NEEDS_NOW.label("needs_now"))
    found = list(session.execute(selected.where(*conditions).order_by(*URGENCY_ORDER)
                                 .limit(query.limit + 1)))
    rows = [row for row, _, _ in found]
    if len(rows) <= query.limit:
        return rows, None
    last, tier_rank, needs_now = found[query.limit - 1]
    key = [tier_rank, needs_now, _time_text(last.deadline_at), last.opened_at.isoformat(),
           last.id]
    return rows[:query.limit], _encode(["urgency", *key])


def _after_in_urgency(key: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after `key` in URGENCY_ORDER (null deadlines last)."""
    tier_rank, needs_now, deadline, opened_at, case_id = key
    parts: list[tuple[ColumnElement[Any], Any]] = [(TIER_RANK, tier_rank), (NEEDS_NOW, needs_now),
                                                   (_NO_DEADLINE, 0 if deadline else 1)]
    if deadline is not None:
        parts.append((CaseRow.deadline_at, deadline))
    parts += [(CaseRow.opened_at, opened_at), (CaseRow.id, case_id)]
    return _lexically_after(parts)


def _lexically_after(parts: list[tuple[ColumnElement[Any], Any]]) -> ColumnElement[bool]:
    (column, value), rest = parts[0], parts[1:]
    if not rest:
        return column > value
    return or_(column > value, and_(column == value, _lexically_after(rest)))


def _time_text(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def _decode_urgency_cursor(cursor: str) -> list[Any]:
    data = _decode(cursor)
    try:
        marker, tier_rank, needs_now, deadline, opened_at, case_id = data
        if (marker != "urgency" or not _cursor_id(case_id)
                or type(tier_rank) is not int or tier_rank not in (0, 1, 2)
                or type(needs_now) is not int or needs_now not in (0, 1)):
            raise ValueError(cursor)
        when = _cursor_time(opened_at)
        due = _cursor_time(deadline) if deadline is not None else None
    except (ValueError, TypeError):
        raise invalid("not a cursor this API gave out for sort=urgency", "cursor") from None
    return [tier_rank, needs_now, due, when, case_id]


def _cursor_id(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 64 and "\x00" not in value


def _cursor_time(value: object) -> datetime:
    """A time this API could have given out: with an offset, and far from the ends of the
    calendar (year 1 or 9999 overflow when moved to UTC)."""
    if not isinstance(value, str):
        raise ValueError(value)
    when = datetime.fromisoformat(value)
    if when.tzinfo is None or not 1970 <= when.year <= 9000:
        raise ValueError(value)
    return when


def _encode(data: list[Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise invalid("not a cursor this API gave out", "cursor") from None


def encode_cursor(opened_at: datetime, case_id: str) -> str:
    raw = json.dumps([opened_at.isoformat(), case_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        opened_at, case_id = json.loads(raw)
        when = _cursor_time(opened_at)
        if not _cursor_id(case_id):
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise invalid("not a cursor this API gave out", "cursor") from None
    return when, case_id


def case_deliveries(session: Session, user: Principal, case_id: str
                    ) -> list[tuple[Delivery, list[DeliveryResult]]]:
    """The case's messages `user` may see, oldest first, each with its results."""
    query = select(Delivery).where(Delivery.case_id == case_id)
    if not sees_internals(user):
        query = query.where(Delivery.channel != "duty_page")
    rows = list(session.scalars(query.order_by(Delivery.created_at, Delivery.stage, Delivery.id)))
    results = results_of(session, [row.id for row in rows])
    return [(row, results.get(row.id, [])) for row in rows]


def results_of(session: Session, delivery_ids: Sequence[str]) -> dict[str, list[DeliveryResult]]:
    if not delivery_ids:
        return {}
    found: dict[str, list[DeliveryResult]] = {}
    query = (select(DeliveryResult).where(DeliveryResult.delivery_id.in_(delivery_ids))
             .order_by(DeliveryResult.id))
    for result in session.scalars(query):
        found.setdefault(result.delivery_id, []).append(result)
    return found


def timeline(session: Session, user: Principal, case_id: str) -> list[TimelineEntry]:
    """The case's timeline as `user` may see it, oldest first."""
    query = select(TimelineEntry).where(TimelineEntry.case_id == case_id)
    if not sees_internals(user):
        query = query.where(TimelineEntry.type.not_in(INTERNAL_ENTRIES),
                            not_(_result_on_a_duty_page()))
    return list(session.scalars(query.order_by(TimelineEntry.id)))


def _result_on_a_duty_page() -> ColumnElement[bool]:
    # An officer's answer to a page is noted as "值班呼叫 <delivery id>：<result>": the
    # domain writes a result's channel word first ("duty_page <id>: …" before that word).
    return and_(TimelineEntry.type == "result",
                or_(*(TimelineEntry.detail.startswith(f"{prefix} ", autoescape=True)
                      for prefix in (CHANNELS["duty_page"], "duty_page"))))


def signals(session: Session, signal_ids: Sequence[str]) -> list[SignalRow]:
    """The case's signals, in the order the case took them in."""
    if not signal_ids:
        return []
    rows = {row.id: row for row in session.scalars(
        select(SignalRow).where(SignalRow.id.in_(list(signal_ids))))}
    return [rows[signal_id] for signal_id in signal_ids if signal_id in rows]


def delivery_with_case(session: Session, user: Principal, delivery_id: str
                       ) -> tuple[Delivery, CaseRow] | None:
    """The delivery and its case, when the case is one `user` may read and the delivery one
    it may see."""
    query = (select(Delivery, CaseRow).join(CaseRow, CaseRow.id == Delivery.case_id)
             .where(Delivery.id == delivery_id, case_scope(user)))
    if not sees_internals(user):
        query = query.where(Delivery.channel != "duty_page")
    row = session.execute(query).one_or_none()
    return (row[0], row[1]) if row is not None else None
