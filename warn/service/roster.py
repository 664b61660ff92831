"""The duty roster (值班表): who is on shift, and who supervises the shift (值班领导).

Pages go to the officers on shift (`warn.domain.facts.Facts.officers_to_page`); an overdue
confirmation also to the supervisors. Officers sign on and off in the console (`/roster`)
or with `warn roster on|off NAME`; a sign-on lapses by itself after
`warn.domain.facts.LONGEST_SHIFT`.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from warn.domain.events import Rejected
from warn.domain.facts import OnShift
from warn.service.context import Context
from warn.store.models import District, RosterEntry, User

ON_ROSTER = ("officer", "admin")


class RosterError(Rejected):
    """A roster change that cannot be made (409); the message says why, in Chinese."""


@dataclass(frozen=True)
class RosterRow:
    name: str
    role: str
    district: str | None
    since: datetime | None  # signed on since (None: not signed on)
    lead: bool
    on_shift: bool  # signed on, and the sign-on has not lapsed
    district_name: str | None = None  # the district's registered name


def sign_on(ctx: Context, name: str, by: str, lead: bool | None = None) -> RosterRow:
    """Put `name` on shift from now (a new shift, if they were on already). `lead` True or
    False makes or unmakes them the supervisor; None keeps what they were."""
    now = ctx.now()
    with ctx.sessions.begin() as session:
        user = _rosterable(session, name)
        entry = session.get(RosterEntry, name, with_for_update=True)
        if entry is None:
            entry = RosterEntry(user_name=name, lead=False)
            session.add(entry)
        entry.since, entry.signed_by = now, by
        if lead is not None:
            entry.lead = lead
        return _row(user, entry, now)


def sign_off(ctx: Context, name: str) -> bool:
    """Take `name` off shift; False when they were not on it."""
    with ctx.sessions.begin() as session:
        _rosterable(session, name)
        return bool(session.execute(delete(RosterEntry).where(
            RosterEntry.user_name == name)).rowcount)


def set_lead(ctx: Context, name: str, lead: bool, by: str) -> RosterRow:
    """Make or unmake the supervisor of the shift; only someone on shift can be it."""
    now = ctx.now()
    with ctx.sessions.begin() as session:
        user = _rosterable(session, name)
        entry = session.get(RosterEntry, name, with_for_update=True)
        if entry is None or not _shift(entry).on_at(now):
            raise RosterError(f"{name} 不在岗，不能设为值班领导：请先上岗")
        entry.lead, entry.signed_by = lead, by
        return _row(user, entry, now)


def roster(ctx: Context, district: str | None = None, everyone: bool = True) -> list[RosterRow]:
    """Everyone who can be on the roster, on shift first; `everyone` False: only those who
    see the cases of `district` (its officers, the officers without one, the admins)."""
    now = ctx.now()
    with ctx.reads() as session:
        query = (select(User, RosterEntry).outerjoin(RosterEntry,
                                                     RosterEntry.user_name == User.name)
                 .where(User.role.in_(ON_ROSTER), User.disabled.is_(False)))
        names = {key: name for key, name in session.execute(select(District.id, District.name))}
        rows = [replace(_row(user, entry, now), district_name=names.get(user.district or ""))
                for user, entry in session.execute(query)]
    if not everyone:
        rows = [r for r in rows if r.role == "admin" or r.district in (None, district)]
    return sorted(rows, key=lambda r: (not r.on_shift, not r.lead, r.district or "", r.name))


def _rosterable(session: Session, name: str) -> User:
    user = session.get(User, name)
    if user is None:
        raise RosterError(f"没有用户 {name}")
    if user.role not in ON_ROSTER:
        raise RosterError(f"{name} 不是值班民警或管理员，不能上值班表")
    if user.disabled:
        raise RosterError(f"{name} 已停用")
    return user


def _shift(entry: RosterEntry) -> OnShift:
    return OnShift(entry.since, entry.lead)


def _row(user: User, entry: RosterEntry | None, now: datetime) -> RosterRow:
    if entry is None:
        return RosterRow(user.name, user.role, user.district, None, False, False)
    return RosterRow(user.name, user.role, user.district, entry.since, entry.lead,
                     _shift(entry).on_at(now))
