"""The duty room's own work beside the ladder: who calls back which 96110 callback, who
carries a case (承办人) and the notes written on it, and the shift log with its handovers.

None of this changes what the ladder does; it is the officers' bookkeeping. Each change
takes effect in one transaction before it returns. A change to a case's owner or notes
bumps the case's version (under the case's row lock, as every decision takes it), so that
the pages that show the case — the queue rows, an open case page — see it as changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warn.access.principal import Principal
from warn.access.scope import ACTORS, case_scope
from warn.domain.events import Missing, Rejected
from warn.service.context import Context
from warn.store.models import (
    CallbackClaim,
    CaseNote,
    CaseOwner,
    CaseRow,
    Delivery,
    DeliveryResult,
    ShiftAck,
    ShiftEntry,
    User,
)

# A callback is over once the person was reached and either listened or would not:
# `hung_up` and `no_answer` are attempts, and the call may be tried again.
CALL_OVER = ("dissuaded", "not_believed")
CALL_ATTEMPTS = ("hung_up", "no_answer")
NOTE_LIMIT = 2000
SHIFT_TEXT_LIMIT = 4000


class Taken(Rejected):
    """Somebody else holds it (a callback's claim, a case's ownership)."""

    def __init__(self, what: str, by: str) -> None:
        super().__init__(f"{what} is held by {by}")
        self.by = by


class NotHeld(Rejected):
    """Releasing what one does not hold."""


class NoSuchOfficer(Rejected):
    """Handing a case to someone who cannot take it (not an officer, disabled, or one who
    may not see the case)."""


class CallbackGone(Missing):
    """No callback_96110 delivery of that id on an open case."""


@dataclass(frozen=True)
class ClaimState:
    delivery_id: str
    case_id: str
    claimed_by: str | None


# --- 96110 callbacks ---------------------------------------------------------------------

def _callback(session: Session, delivery_id: str) -> Delivery:
    found = session.scalars(
        select(Delivery).join(CaseRow, CaseRow.id == Delivery.case_id)
        .where(Delivery.id == delivery_id, Delivery.channel == "callback_96110",
               CaseRow.state == "open")).one_or_none()
    if found is None:
        raise CallbackGone(delivery_id)
    return found


def claim_callback(ctx: Context, delivery_id: str, operator: str) -> ClaimState:
    """Claim the callback for `operator`; claiming one's own claim again changes nothing.
    Raises `Taken` when another operator claimed it first — also when both claim at the
    same moment: the delivery is the claims' primary key, so only one insert commits."""
    try:
        with ctx.sessions.begin() as session:
            delivery = _callback(session, delivery_id)
            held = session.get(CallbackClaim, delivery_id)
            if held is not None:
                if held.claimed_by != operator:
                    raise Taken("callback", held.claimed_by)
                return ClaimState(delivery_id, delivery.case_id, operator)
            session.add(CallbackClaim(delivery_id=delivery_id, case_id=delivery.case_id,
                                      claimed_by=operator, claimed_at=ctx.now()))
            case_id = delivery.case_id
    except IntegrityError:
        # The other insert committed between our look and ours.
        with ctx.reads() as session:
            winner = session.get(CallbackClaim, delivery_id)
        if winner is not None and winner.claimed_by == operator:
            return ClaimState(delivery_id, winner.case_id, operator)
        raise Taken("callback", winner.claimed_by if winner else "?") from None
    return ClaimState(delivery_id, case_id, operator)


def release_callback(ctx: Context, delivery_id: str, user: Principal) -> None:
    """Give the callback back to the desk. Only its operator may, or an admin (an operator
    who went home with claims still open)."""
    with ctx.sessions.begin() as session:
        query = delete(CallbackClaim).where(CallbackClaim.delivery_id == delivery_id)
        if user.role != "admin":
            query = query.where(CallbackClaim.claimed_by == user.name)
        if session.execute(query).rowcount == 0:  # type: ignore[attr-defined]
            raise NotHeld(delivery_id)


def callback_claimant(ctx: Context, delivery_id: str) -> str | None:
    with ctx.reads() as session:
        held = session.get(CallbackClaim, delivery_id)
    return held.claimed_by if held is not None else None


# --- owners and notes ----------------------------------------------------------------------

def _lock_case(session: Session, case_id: str) -> CaseRow:
    row = session.scalars(select(CaseRow).where(CaseRow.id == case_id)
                          .with_for_update()).one_or_none()
    if row is None:
        raise Missing(case_id)
    return row


def _touch(session: Session, case_id: str) -> None:
    session.execute(update(CaseRow).where(CaseRow.id == case_id)
                    .values(version=CaseRow.version + 1))


def take_case(ctx: Context, case_id: str, officer: str) -> None:
    """`officer` carries the case from now on. Raises `Taken` when someone else does: the
    owner hands it over, nobody takes it from them."""
    with ctx.sessions.begin() as session:
        row = _lock_case(session, case_id)
        if row.state != "open":
            raise Rejected(f"case {case_id} is resolved")
        owner = session.get(CaseOwner, case_id)
        if owner is not None:
            if owner.owner == officer:
                return
            raise Taken("case", owner.owner)
        session.add(CaseOwner(case_id=case_id, owner=officer, assigned_by=officer,
                              since=ctx.now()))
        _touch(session, case_id)


def release_case(ctx: Context, case_id: str, user: Principal) -> None:
    """The case has no owner again: its owner's, or an admin's, doing."""
    with ctx.sessions.begin() as session:
        _lock_case(session, case_id)
        owner = session.get(CaseOwner, case_id)
        if owner is None or (owner.owner != user.name and user.role != "admin"):
            raise NotHeld(case_id)
        session.delete(owner)
        _touch(session, case_id)


def hand_case(ctx: Context, case_id: str, to: str, user: Principal) -> None:
    """Hand the case to officer `to`: by its owner, by anyone while it has none, or by an
    admin. `to` must be an enabled officer or admin who may see the case."""
    with ctx.sessions.begin() as session:
        row = _lock_case(session, case_id)
        if row.state != "open":
            raise Rejected(f"case {case_id} is resolved")
        target = session.get(User, to)
        if target is None or target.disabled or target.role not in ACTORS:
            raise NoSuchOfficer(to)
        them = Principal(target.name, target.role, district=target.district)
        if session.scalar(select(CaseRow.id).where(CaseRow.id == case_id,
                                                   case_scope(them))) is None:
            raise NoSuchOfficer(to)
        owner = session.get(CaseOwner, case_id)
        if owner is not None and owner.owner != user.name and user.role != "admin":
            raise Taken("case", owner.owner)
        if owner is None:
            session.add(CaseOwner(case_id=case_id, owner=to, assigned_by=user.name,
                                  since=ctx.now()))
        elif owner.owner != to:
            owner.owner, owner.assigned_by, owner.since = to, user.name, ctx.now()
        else:
            return
        _touch(session, case_id)


def add_note(ctx: Context, case_id: str, author: str, text: str) -> int:
    """Write a note on the case (text already cleaned with warn.text.typed_text)."""
    with ctx.sessions.begin() as session:
        _lock_case(session, case_id)
        note = CaseNote(case_id=case_id, author=author, at=ctx.now(), text=text[:NOTE_LIMIT])
        session.add(note)
        _touch(session, case_id)
        session.flush()
        return note.id


def case_desk(session: Session, case_id: str) -> dict[str, Any]:
    """The case's owner and notes, oldest note first, for the case page."""
    owner = session.get(CaseOwner, case_id)
    notes = list(session.scalars(select(CaseNote).where(CaseNote.case_id == case_id)
                                 .order_by(CaseNote.id)))
    return {"owner": owner.owner if owner else None,
            "owner_since": owner.since if owner else None,
            "assigned_by": owner.assigned_by if owner else None,
            "notes": [{"author": n.author, "at": n.at, "text": n.text} for n in notes]}


def owners_of(session: Session, case_ids: list[str]) -> dict[str, str]:
    if not case_ids:
        return {}
    rows = session.execute(select(CaseOwner.case_id, CaseOwner.owner)
                           .where(CaseOwner.case_id.in_(case_ids)))
    return {case_id: owner for case_id, owner in rows}


def officers_for(session: Session, case_id: str) -> list[str]:
    """The enabled officers and admins who may see the case: whom it can be handed to."""
    district = session.scalar(select(CaseRow.district).where(CaseRow.id == case_id))
    query = select(User.name).where(User.role.in_(ACTORS), User.disabled.is_(False))
    if district is not None:
        query = query.where((User.district.is_(None)) | (User.district == district))
    else:
        query = query.where(User.district.is_(None) | (User.role == "admin"))
    return list(session.scalars(query.order_by(User.name)))


# --- shift log -----------------------------------------------------------------------------

def lane_counts(session: Session, user: Principal) -> dict[str, int]:
    """The open cases in `user`'s scope, by what they wait for: what a handover writes down."""
    scope = case_scope(user)
    open_cases = (CaseRow.state == "open", scope)

    def count(*conditions: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(CaseRow)
                                  .where(*open_cases, *conditions)) or 0)

    over = select(DeliveryResult.delivery_id).where(DeliveryResult.result.in_(CALL_OVER))
    claimed = select(CallbackClaim.delivery_id)
    callbacks = int(session.scalar(
        select(func.count()).select_from(Delivery).join(CaseRow, CaseRow.id == Delivery.case_id)
        .where(*open_cases, Delivery.channel == "callback_96110",
               Delivery.state != "cancelled", Delivery.id.not_in(over),
               Delivery.id.not_in(claimed))) or 0)
    return {"open": count(), "high": count(CaseRow.tier == "high"),
            "awaiting": count(CaseRow.flag_awaiting.is_(True)),
            "overdue": count(CaseRow.flag_overdue.is_(True)),
            "no_team": count(CaseRow.flag_no_team.is_(True)),
            "callbacks_unclaimed": callbacks}


def write_entry(ctx: Context, user: Principal, text: str, *, handover: bool) -> int:
    """A shift-log entry of `user`'s desk; a handover also writes down the lanes as they are
    at this moment."""
    with ctx.sessions.begin() as session:
        counts = lane_counts(session, user) if handover else None
        entry = ShiftEntry(at=ctx.now(), author=user.name, district=user.district,
                           kind="handover" if handover else "entry",
                           text=text[:SHIFT_TEXT_LIMIT], counts=counts)
        session.add(entry)
        session.flush()
        return entry.id


def _desk_of(user: Principal) -> Any:
    """The entries `user` reads: its own district's; all of them without a district."""
    if user.role == "admin" or user.district is None:
        return True
    return ShiftEntry.district == user.district


def shift_entries(session: Session, user: Principal, before: int | None,
                  limit: int) -> list[ShiftEntry]:
    query = select(ShiftEntry).where(_desk_of(user))
    if before is not None:
        query = query.where(ShiftEntry.id < before)
    return list(session.scalars(query.order_by(ShiftEntry.id.desc()).limit(limit)))


def pending_handover(session: Session, user: Principal) -> ShiftEntry | None:
    """The newest handover of `user`'s own desk, if someone else wrote it and `user` has not
    acknowledged it yet."""
    newest = session.scalars(
        select(ShiftEntry).where(ShiftEntry.kind == "handover",
                                 ShiftEntry.district.is_(None) if user.district is None
                                 else ShiftEntry.district == user.district)
        .order_by(ShiftEntry.id.desc()).limit(1)).one_or_none()
    if newest is None or newest.author == user.name:
        return None
    if session.get(ShiftAck, (newest.id, user.name)) is not None:
        return None
    return newest


def acknowledge(ctx: Context, entry_id: int, user: Principal) -> None:
    """`user` has read the handover; acknowledging it twice changes nothing."""
    try:
        with ctx.sessions.begin() as session:
            entry = session.get(ShiftEntry, entry_id)
            if entry is None or entry.kind != "handover" or (
                    user.role != "admin" and user.district is not None
                    and entry.district != user.district):
                raise Missing(str(entry_id))
            if session.get(ShiftAck, (entry_id, user.name)) is None:
                session.add(ShiftAck(entry_id=entry_id, user_name=user.name, at=ctx.now()))
    except IntegrityError:
        return  # the same person acknowledging from two tabs at once


def acks_of(session: Session, entry_ids: list[int]) -> dict[int, list[tuple[str, datetime]]]:
    if not entry_ids:
        return {}
    found: dict[int, list[tuple[str, datetime]]] = {}
    for ack in session.scalars(select(ShiftAck).where(ShiftAck.entry_id.in_(entry_ids))
                               .order_by(ShiftAck.at)):
        found.setdefault(ack.entry_id, []).append((ack.user_name, ack.at))
    return found
