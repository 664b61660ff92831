"""The cards of the school liaison and mobile team pages: the person, what happened, what
to do, what was reported so far, and which results this user can report. Liaisons get the
subject's number masked in every string of a card (CONTRACT §2); teams see it, since they
have to reach the person."""

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from warn import vocabulary as labels
from warn.access import reads
from warn.access.shaping import for_reader
from warn.console import lists
from warn.console.digest import digests
from warn.console.sessions import ConsoleUser
from warn.domain.case import ACK_RESULTS, CHANNEL_RESULTS
from warn.domain.policy import TIERS
from warn.service.context import Context
from warn.store.models import Delivery, DeliveryResult, School

Card = dict[str, Any]
# Long enough to see what became of this evening's alerts, short enough to stay a to-do list.
KEEP_RESOLVED = timedelta(hours=24)


def field_keys(ctx: Context, user: ConsoleUser) -> lists.Keys:
    with ctx.reads() as session:
        return lists.field_keys(session, user.principal, ctx.now() - KEEP_RESOLVED)


def field_view(ctx: Context, user: ConsoleUser, keys: lists.Keys) -> dict[str, Any]:
    with ctx.reads() as session:
        found = digests(session, keys)
        ids = [case_id for case_id, _ in keys if case_id in found]
        deliveries = lists.field_deliveries(session, user.principal, ids)
        results = reads.results_of(session, [d.id for rows in deliveries.values()
                                               for d in rows])
        cards = sorted((card(user, found[case_id], deliveries.get(case_id, []), results)
                        for case_id in ids), key=_urgency)
        place = _place_name(session, user)
    waiting = sum(1 for c in cards if c["needs_ack"])
    return {"cards": cards, "sig": lists.signature(keys), "place": place,
            "counts": {"open": sum(1 for c in cards if c["open"]), "waiting": waiting}}


def _urgency(made: Card) -> tuple[bool, int, bool]:
    """Open before closed; within those, high risk first (a student on the line with a
    fraudster stays on top once acknowledged); then those waiting for 已收到 while its
    countdown runs. sorted() keeps the newest first among equals."""
    tier = made["head"]["tier"]
    rank = -TIERS.index(tier) if tier in TIERS else 1  # TIERS runs low to high
    return (not made["open"], rank, not made["needs_ack"])


def card(user: ConsoleUser, head: dict[str, Any], rows: list[Delivery],
         results: dict[str, list[DeliveryResult]]) -> Card:
    mine = rows[0] if rows else None  # the user's own delivery comes first
    reported = sorted((r for row in rows for r in results.get(row.id, [])),
                      key=lambda r: (r.at, r.id))
    is_open = head["state"] == "open"
    # Once acknowledged (or arrived) the button has done its job: leave the ones that matter.
    done = {r.result for r in reported if r.result in ACK_RESULTS}
    acknowledged = bool(done)
    options = [o for o in (CHANNEL_RESULTS[mine.channel] if mine is not None and is_open else ())
               if o not in done]
    made: Card = {
        "head": head, "open": is_open, "delivery": mine.id if mine else None,
        "body": mine.body if mine else "", "sent_at": mine.sent_at if mine else None,
        "dispatch_open": bool(mine and mine.dispatch_open),
        "acknowledged": acknowledged,
        # 已收到 is still asked for: the school's ack countdown runs, or the team's dispatch
        # is open. A school stage that has passed asks nothing any more.
        "needs_ack": is_open and not acknowledged and (
            bool(mine and mine.dispatch_open) if user.role == "team"
            else bool(head["deadline"] and head["deadline"]["what"] == "ack")),
        "arrived": any(r.result == "arrived" for r in reported),
        "reported": [{"label": labels.label(labels.RESULTS, r.result), "result": r.result,
                      "actor": r.actor, "at": r.at, "note": r.note} for r in reported],
        "options": [(o, labels.label(labels.RESULTS, o)) for o in options],
    }
    return for_reader(user.principal, made, head["msisdn"])


def _place_name(session: Session, user: ConsoleUser) -> str:
    if user.role == "liaison" and user.principal.school:
        school = session.get(School, user.principal.school)
        return school.name if school else user.principal.school
    return user.principal.team or ""

