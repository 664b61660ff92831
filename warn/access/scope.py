"""Which cases a user may read (CONTRACT §2), as a SQL condition on the cases table, what it
may do to them, and what of a case it is shown. A case out of scope answers 404, so nobody
learns it exists."""

from sqlalchemy import ColumnElement, and_, false, select, true

from warn.access.errors import forbidden
from warn.access.principal import Principal
from warn.store.models import CaseRow, Delivery

ACTORS = ("officer", "admin")

# Timeline entries that are the duty room's own business or the system's insides: whom it
# paged, its confirmations running late and its teams running out, and what failed (a
# stuck decision, a gateway's refusal). Liaisons and teams see the ladder's progress, the
# results and the outcome; not these.
INTERNAL_ENTRIES = frozenset({"duty_page", "overdue", "no_team", "stuck", "delivery_failed"})


def case_scope(user: Principal) -> ColumnElement[bool]:
    """The condition a case row meets when `user` may read it."""
    if user.role == "admin":
        return true()
    if user.role == "officer":
        # A case belongs to its first signal's district; one with no district is seen
        # only by officers without one, who see every case.
        return true() if user.district is None else CaseRow.district == user.district
    if user.role == "liaison" and user.school:
        # From the moment a school_group delivery to the school exists, not before.
        return and_(CaseRow.school == user.school, CaseRow.school_notified_at.is_not(None))
    if user.role == "team" and user.team:
        dispatched = select(Delivery.case_id).where(Delivery.channel == "mobile_team",
                                                    Delivery.recipient == user.team)
        return CaseRow.id.in_(dispatched)
    return false()


def check_may_act(user: Principal) -> None:
    """Confirm, decline, escalate and outcome: officers in scope and admins (call this after
    the case was found readable, so that a case out of scope stays a 404)."""
    if user.role not in ACTORS:
        raise forbidden(f"a {user.role} user may not act on cases")


def check_may_report(user: Principal, channel: str, recipient: str) -> None:
    """Delivery results: officers and admins on any delivery, a liaison on its school's
    school_group deliveries, a team on its own mobile_team deliveries."""
    if user.role in ACTORS:
        return
    if user.role == "liaison" and channel == "school_group":
        return
    if user.role == "team" and channel == "mobile_team" and recipient == user.team:
        return
    raise forbidden(f"a {user.role} user may not report results on this {channel} delivery")


def sees_internals(user: Principal) -> bool:
    """Duty pages and the other internal entries are for the duty room: not for liaisons
    and teams."""
    return user.role in ACTORS


def masks_phone(user: Principal) -> bool:
    return user.role == "liaison"
