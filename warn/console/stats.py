"""The dashboard's numbers, inside the reader's scope. Counts are SQL aggregates grouped by
Beijing calendar day (exact at any volume); times (signal → first warning, signal →
dissuaded) are percentiles computed in Python over at most SAMPLE_LIMIT of the most recent
cases, since SQLite has no percentile function."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from warn.access.principal import Principal
from warn.access.scope import case_scope
from warn.render import LOCAL_TZ
from warn.store.models import CaseRow, Delivery, SignalRow

DAYS = 30
SAMPLE_LIMIT = 20_000


@dataclass(frozen=True)
class Window:
    days: list[str]  # the Beijing dates of the window, oldest first, YYYY-MM-DD
    since: datetime  # the start of its first day (aware)

    @property
    def today(self) -> str:
        return self.days[-1]


def window(now: datetime, days: int = DAYS) -> Window:
    first = now.astimezone(LOCAL_TZ).date() - timedelta(days=days - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=LOCAL_TZ)
    return Window([(first + timedelta(days=i)).isoformat() for i in range(days)], start)


def local_day(session: Session, column: Any) -> ColumnElement[str]:
    """YYYY-MM-DD of a UTC timestamp in Beijing time. SQLite keeps naive UTC text;
    China has had no daylight saving since 1991, so +8 hours is exact there."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column, "+8 hours")
    return func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM-DD")


def case_counts(session: Session, user: Principal, since: datetime
                ) -> list[tuple[str, str, str, int]]:
    """(day opened, tier, outcome or 'open', count) for the cases opened since `since`."""
    day = local_day(session, CaseRow.opened_at)
    outcome = func.coalesce(CaseRow.outcome, "open")
    query = (select(day, CaseRow.tier, outcome, func.count())
             .where(CaseRow.opened_at >= since, case_scope(user))
             .group_by(day, CaseRow.tier, outcome))
    return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def delivery_counts(session: Session, user: Principal, since: datetime
                    ) -> list[tuple[str, str, str, int]]:
    """(day created, channel, state, count) of the warnings (duty pages left out)."""
    day = local_day(session, Delivery.created_at)
    query = (select(day, Delivery.channel, Delivery.state, func.count())
             .join(CaseRow, CaseRow.id == Delivery.case_id)
             .where(Delivery.created_at >= since, Delivery.channel != "duty_page",
                    case_scope(user))
             .group_by(day, Delivery.channel, Delivery.state))
    return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


@dataclass(frozen=True)
class Timing:
    day: str
    to_warning: float | None  # seconds from the first signal's arrival to the first send
    to_dissuaded: float | None  # seconds from the first signal's arrival to `dissuaded`


def timings(session: Session, user: Principal, since: datetime,
            limit: int = SAMPLE_LIMIT) -> list[Timing]:
    first_signal = (select(func.min(SignalRow.received_at))
                    .where(SignalRow.case_id == CaseRow.id).scalar_subquery())
    first_sent = (select(func.min(Delivery.sent_at))
                  .where(Delivery.case_id == CaseRow.id, Delivery.channel != "duty_page")
                  .scalar_subquery())
    query = (select(local_day(session, CaseRow.opened_at), CaseRow.opened_at, first_signal,
                    first_sent, CaseRow.resolved_at, CaseRow.outcome)
             .where(CaseRow.opened_at >= since, case_scope(user))
             .order_by(CaseRow.opened_at.desc()).limit(limit))
    return [_timing(*row) for row in session.execute(query)]


def _timing(day: str, opened: datetime, signal: Any, sent: Any, resolved: datetime | None,
            outcome: str | None) -> Timing:
    start = _aware(signal) or opened
    warned = _aware(sent)
    return Timing(day=day,
                  to_warning=_seconds(start, warned),
                  to_dissuaded=_seconds(start, resolved) if outcome == "dissuaded" else None)


def _aware(value: Any) -> datetime | None:
    """Aggregates bypass the column type: SQLite hands back naive UTC text."""
    if value is None or isinstance(value, datetime):
        return _utc(value) if value is not None else None
    return _utc(datetime.fromisoformat(str(value)))


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _seconds(start: datetime, end: datetime | None) -> float | None:
    return max(0.0, (end - start).total_seconds()) if end is not None else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile (0..1) by linear interpolation between closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
