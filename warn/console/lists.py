"""Which cases each console list shows, in which order — always inside the reader's scope
(warn.access.scope), as (case id, version) pairs that digest.py turns into rows."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from warn.access.principal import Principal
from warn.access.reads import NEEDS_NOW, URGENCY_ORDER
from warn.access.scope import case_scope
from warn.store.models import CaseRow, Delivery, DeliveryResult, SignalRow

Keys = list[tuple[str, int]]
QUEUE_LIMIT = 300
RECENT_LIMIT = 12


@dataclass(frozen=True)
class QueueFilter:
    """What an officer narrows the queue to: a tier, a signal kind, a school, or only what
    needs them (the 待我处理 lane)."""

    tier: str | None = None
    kind: str | None = None
    school: str | None = None
    needs_me: bool = False

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.tier:
            found.append(CaseRow.tier == self.tier)
        if self.school:
            found.append(CaseRow.school == self.school)
        if self.needs_me:
            found.append(NEEDS_NOW == 0)
        if self.kind:
            found.append(exists().where(SignalRow.case_id == CaseRow.id,
                                        SignalRow.kind == self.kind))
        return found


# The queue's lanes, in the order the page shows them — CONTRACT §3 `sort=urgency` cut into
# the work it stands for: every high case (someone may be on the line with a fraudster now;
# those that need an officer first), then what only an officer can move in the other tiers
# (confirm, a team when none is free, a stuck or exhausted case), the callbacks nobody has
# tried yet, and what only needs watching.
LANES = ("high", "needs_me", "callback", "waiting")
LANE_PREVIEW = 8  # rows a lane shows until the officer opens it whole


def _untried_callback() -> ColumnElement[bool]:
    tried = exists().where(DeliveryResult.delivery_id == Delivery.id)
    return exists().where(Delivery.case_id == CaseRow.id,
                          Delivery.channel == "callback_96110",
                          Delivery.state.in_(("queued", "sent")), ~tried)


def _lane_conditions() -> dict[str, ColumnElement[bool]]:
    high = CaseRow.tier == "high"
    return {"high": high,
            "needs_me": and_(~high, NEEDS_NOW == 0),
            "callback": and_(~high, NEEDS_NOW == 1, _untried_callback()),
            "waiting": and_(~high, NEEDS_NOW == 1, ~_untried_callback())}


_LANE_OF = case((CaseRow.tier == "high", "high"), (NEEDS_NOW == 0, "needs_me"),
                (_untried_callback(), "callback"), else_="waiting")


def desk_counts(session: Session, user: Principal) -> tuple[dict[str, int], dict[str, int]]:
    """The counters above the lanes, over every open case in scope, and how many cases
    stand in each lane: one grouped query for both, polled every second."""
    def of(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.sum(case((condition, 1), else_=0))

    lanes = dict.fromkeys(LANES, 0)
    counters = dict.fromkeys(("open", "overdue", "awaiting", "needs_me"), 0)
    for lane, total, overdue, awaiting, needs_me in session.execute(
            select(_LANE_OF, func.count(), of(CaseRow.flag_overdue.is_(True)),
                   of(CaseRow.flag_awaiting.is_(True)), of(NEEDS_NOW == 0))
            .where(CaseRow.state == "open", case_scope(user)).group_by(_LANE_OF)):
        lanes[lane] = total
        for key, value in (("open", total), ("overdue", overdue), ("awaiting", awaiting),
                           ("needs_me", needs_me)):
            counters[key] += value or 0
    return {**counters, "high": lanes["high"], "callback": lanes["callback"]}, lanes


def queue_lanes(session: Session, user: Principal, wanted: QueueFilter,
                open_lane: str | None = None, totals: dict[str, int] | None = None
                ) -> tuple[dict[str, tuple[Keys, int]], dict[str, int]]:
    """Each lane: its first cases in the duty room's order (CONTRACT §3 `sort=urgency`) and
    how many it holds — `open_lane` shows up to QUEUE_LIMIT, the others LANE_PREVIEW (all
    of them up to QUEUE_LIMIT when only what needs the officer is asked for); and how many
    cases every lane holds (`totals`, when the caller has counted them without a filter)."""
    filters = wanted.conditions()
    base = [CaseRow.state == "open", case_scope(user), *filters]
    if totals is None or filters:
        totals = lane_totals(session, base)
    conditions = _lane_conditions()
    lanes: dict[str, tuple[Keys, int]] = {}
    for lane in LANES:
        total = totals.get(lane, 0)
        if not total:
            lanes[lane] = ([], 0)
            continue
        limit = QUEUE_LIMIT if lane == open_lane or wanted.needs_me else LANE_PREVIEW
        keys = session.execute(select(CaseRow.id, CaseRow.version)
                               .where(*base, conditions[lane])
                               .order_by(*URGENCY_ORDER).limit(limit))
        lanes[lane] = ([(row.id, row.version) for row in keys], total)
    return lanes, totals


def lane_totals(session: Session, where: Sequence[ColumnElement[bool]]) -> dict[str, int]:
    """How many of the cases `where` selects stand in each lane."""
    found = {lane: count for lane, count in session.execute(
        select(_LANE_OF, func.count()).where(*where).group_by(_LANE_OF))}
    return {lane: found.get(lane, 0) for lane in LANES}


def queue_keys(session: Session, user: Principal, limit: int = QUEUE_LIMIT) -> Keys:
    """Open cases in the duty room's order (CONTRACT §3 `sort=urgency`)."""
    query = (select(CaseRow.id, CaseRow.version)
             .where(CaseRow.state == "open", case_scope(user))
             .order_by(*URGENCY_ORDER).limit(limit))
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
