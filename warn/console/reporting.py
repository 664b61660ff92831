"""Money and breakdowns for reporting upward, inside the reader's scope, as SQL aggregates.

A case's amount at risk (涉及金额) is the sum of its transfer attempts' `amount_cny`, each
distinct (account, amount) counted once: a bank that reports one attempt twice, or a
victim retrying the same transfer, is one sum of money, not two. What became of it follows
the outcome: `dissuaded` saved it (避免损失), `victimized` lost it (已被骗金额); otherwise
(open, warned, false positive, duplicate) it is neither.

A case's fraud type is the one its latest signal naming a type gave (the duty room's latest
knowledge); its team is every mobile team dispatched to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, Subquery, cast, func, select
from sqlalchemy.orm import Session

from warn.access.principal import Principal
from warn.access.scope import case_scope
from warn.store.models import CaseRow, Delivery, SignalRow

SAVED_BY = "dissuaded"
LOST_BY = "victimized"
STOPPED = ("dissuaded", "victimized", "warned")


@dataclass(frozen=True)
class Money:
    at_risk: float = 0.0
    saved: float = 0.0
    lost: float = 0.0


def money_of(at_risk: float, outcome: str | None) -> Money:
    """What a case's amount at risk became, by its outcome."""
    return Money(at_risk=at_risk, saved=at_risk if outcome == SAVED_BY else 0.0,
                 lost=at_risk if outcome == LOST_BY else 0.0)


@dataclass
class Tally:
    """Counts, outcomes and money of a group of cases."""

    cases: int = 0
    high: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    at_risk: float = 0.0
    saved: float = 0.0
    lost: float = 0.0

    @property
    def dissuaded(self) -> int:
        return self.outcomes.get("dissuaded", 0)

    @property
    def victimized(self) -> int:
        return self.outcomes.get("victimized", 0)

    @property
    def open(self) -> int:
        return self.outcomes.get("open", 0)

    @property
    def rate(self) -> float | None:
        """劝阻率: dissuaded ÷ (dissuaded + victimized + warned), as the dashboard counts it."""
        ended = sum(self.outcomes.get(o, 0) for o in STOPPED)
        return self.dissuaded / ended if ended else None

    def add(self, tier: str, outcome: str, count: int, at_risk: float) -> None:
        self.cases += count
        self.high += count if tier == "high" else 0
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + count
        money = money_of(at_risk, outcome)
        self.at_risk += money.at_risk
        self.saved += money.saved
        self.lost += money.lost


def _attempts() -> Subquery:
    """Each case's distinct transfer attempts: (case id, account, amount)."""
    amount = SignalRow.payload[("attributes", "amount_cny")].as_float()
    account = SignalRow.payload[("attributes", "account")].as_string()
    return (select(SignalRow.case_id.label("case_id"), account.label("account"),
                   amount.label("amount"))
            .where(SignalRow.kind == "transfer_attempt", SignalRow.case_id.is_not(None))
            .distinct().subquery("attempts"))


def amounts_subquery() -> Subquery:
    """(case id, at_risk) of every case with a transfer attempt."""
    attempts = _attempts()
    return (select(attempts.c.case_id, func.sum(attempts.c.amount).label("at_risk"))
            .group_by(attempts.c.case_id).subquery("amounts"))


def at_risk_of(session: Session, case_ids: Iterable[str]) -> dict[str, float]:
    """The amount at risk of each of these cases that has one."""
    wanted = list(case_ids)
    if not wanted:
        return {}
    amounts = amounts_subquery()
    rows = session.execute(select(amounts.c.case_id, amounts.c.at_risk)
                           .where(amounts.c.case_id.in_(wanted)))
    return {case_id: float(total or 0) for case_id, total in rows}


def fraud_type_column() -> ColumnElement[str | None]:
    """The fraud type of the case's latest signal that names one."""
    fraud = SignalRow.payload[("attributes", "fraud_type")].as_string()
    return (select(fraud).where(SignalRow.case_id == CaseRow.id, fraud.is_not(None))
            .order_by(SignalRow.received_at.desc(), SignalRow.id.desc())
            .limit(1).correlate(CaseRow).scalar_subquery())


def _cases(user: Principal, since: datetime, until: datetime | None
           ) -> Select[Any, Any, Any, Any, Any, Any]:
    amounts = amounts_subquery()
    query = (select(CaseRow.id, CaseRow.tier, CaseRow.school,
                    func.coalesce(CaseRow.outcome, "open").label("outcome"),
                    fraud_type_column().label("fraud"),
                    func.coalesce(cast(amounts.c.at_risk, Float), 0.0).label("at_risk"))
             .outerjoin(amounts, amounts.c.case_id == CaseRow.id)
             .where(CaseRow.opened_at >= since, case_scope(user)))
    return query.where(CaseRow.opened_at < until) if until is not None else query


def breakdown(session: Session, user: Principal, by: str, since: datetime,
              until: datetime | None = None) -> list[tuple[str | None, Tally]]:
    """Cases opened in [since, until) grouped by `school`, `fraud` or `team`, the groups
    with most cases first; the key None is the cases with no school, type or team."""
    cases = _cases(user, since, until).subquery("c")
    if by == "team":
        teams = (select(Delivery.case_id, Delivery.recipient.label("key"))
                 .where(Delivery.channel == "mobile_team").distinct().subquery("t"))
        key: Any = teams.c.key
        source: Any = cases.join(teams, teams.c.case_id == cases.c.id)
    elif by in ("school", "fraud"):
        key, source = cases.c[by], cases
    else:
        raise ValueError(by)
    query = (select(key, cases.c.tier, cases.c.outcome, func.count(),
                    func.sum(cases.c.at_risk))
             .select_from(source).group_by(key, cases.c.tier, cases.c.outcome))
    tallies: dict[str | None, Tally] = {}
    for group, tier, outcome, count, at_risk in session.execute(query):
        tallies.setdefault(group, Tally()).add(tier, outcome, int(count), float(at_risk or 0))
    return sorted(tallies.items(), key=lambda item: (-item[1].cases, item[0] is None,
                                                     item[0] or ""))


def money_by_day(session: Session, user: Principal, since: datetime,
                 day_of: Any) -> dict[str, Tally]:
    """A tally per Beijing day the cases were opened (`day_of` renders a column's day)."""
    amounts = amounts_subquery()
    day = day_of(session, CaseRow.opened_at)
    outcome = func.coalesce(CaseRow.outcome, "open")
    query = (select(day, CaseRow.tier, outcome, func.count(),
                    func.sum(func.coalesce(cast(amounts.c.at_risk, Float), 0.0)))
             .outerjoin(amounts, amounts.c.case_id == CaseRow.id)
             .where(CaseRow.opened_at >= since, case_scope(user))
             .group_by(day, CaseRow.tier, outcome))
    days: dict[str, Tally] = {}
    for when, tier, ended, count, at_risk in session.execute(query):
        days.setdefault(str(when), Tally()).add(tier, ended, int(count), float(at_risk or 0))
    return days


def total(tallies: Iterable[Tally]) -> Tally:
    summed = Tally()
    for tally in tallies:
        summed.cases += tally.cases
        summed.high += tally.high
        for outcome, count in tally.outcomes.items():
            summed.outcomes[outcome] = summed.outcomes.get(outcome, 0) + count
        summed.at_risk += tally.at_risk
        summed.saved += tally.saved
        summed.lost += tally.lost
    return summed

