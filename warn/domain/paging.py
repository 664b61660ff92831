"""Duty pages grouped per officer: what reaches an officer's device, and when.

Every case keeps its own `duty_page` deliveries (CONTRACT §4); what goes to the officer's
device is one message at most per `PAGE_EVERY`, carrying every page that waited for it.
Under a flood of cases this is the difference between a page an officer reads and five
hundred that they learn to ignore. Pure: the service reads the pages that wait and the
officer's last message, asks `plan`, and carries it out.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

PAGE_EVERY = timedelta(minutes=1)
# Cases a grouped page names; the rest are counted. A page is read on a lock screen.
NAMED_AT_MOST = 3
PAGE_LENGTH = 200

# What a page asks of an officer, most pressing first.
URGENCY: tuple[str, ...] = ("overdue", "stuck", "no_team", "confirm", "exhausted")
TIER_ORDER: tuple[str, ...] = ("high", "medium", "low")


@dataclass(frozen=True)
class WaitingPage:
    """One case's duty page, not yet carried by any message to its officer."""

    delivery_id: str
    case_id: str
    tier: str
    reason: str | None
    created_at: datetime


@dataclass(frozen=True)
class PagePlan:
    """`carried`: the pages one message takes now, most urgent first (empty: none goes
    now). `not_before`: when the pages that wait may go (None: nothing waits)."""

    carried: tuple[WaitingPage, ...]
    not_before: datetime | None


def plan(waiting: Sequence[WaitingPage], last_sent_at: datetime | None, now: datetime,
         every: timedelta = PAGE_EVERY) -> PagePlan:
    """Send everything that waits in one message once the officer's last message is
    `every` old (or there never was one); until then hold it all for that moment."""
    if not waiting:
        return PagePlan((), None)
    if last_sent_at is not None and now < last_sent_at + every:
        return PagePlan((), last_sent_at + every)
    return PagePlan(tuple(sorted(waiting, key=_urgency)), None)


def _urgency(page: WaitingPage) -> tuple[int, int, datetime, str]:
    return (_rank(TIER_ORDER, page.tier), _rank(URGENCY, page.reason), page.created_at,
            page.delivery_id)


def _rank(order: tuple[str, ...], key: str | None) -> int:
    return order.index(key) if key in order else len(order)


@dataclass(frozen=True)
class CaseNeed:
    case_id: str
    tier: str
    reason: str | None


@dataclass(frozen=True)
class PageSummary:
    """What a grouped page says: how many cases, how many of each tier, the first few
    cases by name with what each needs, and how many more there are."""

    cases: int
    tiers: tuple[tuple[str, int], ...]
    named: tuple[CaseNeed, ...]
    more: int


def summarise(carried: Iterable[WaitingPage], named: int = NAMED_AT_MOST) -> PageSummary:
    """One line per case, whatever number of its pages the message carries: a case paged
    for its confirmation and then for being overdue needs one thing, the most pressing."""
    needs: dict[str, CaseNeed] = {}
    for page in sorted(carried, key=_urgency):
        needs.setdefault(page.case_id, CaseNeed(page.case_id, page.tier, page.reason))
    ordered = list(needs.values())
    tiers = tuple((tier, count) for tier in (*TIER_ORDER, *sorted(
        {n.tier for n in ordered} - set(TIER_ORDER)))
        if (count := sum(1 for n in ordered if n.tier == tier)))
    shown = tuple(ordered[:max(named, 0)])
    return PageSummary(len(ordered), tiers, shown, len(ordered) - len(shown))
