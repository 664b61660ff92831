"""CSV exports for reporting upward: the cases of a period, and the dashboard's figures.

Written for Excel as Chinese offices use it: UTF-8 with a byte-order mark (without it Excel
reads the file as GBK and shows mojibake), CRLF line ends, Chinese headers. A cell a person
or a feed wrote that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed
with `'`, so that Excel shows it as text instead of running it as a formula (CSV injection,
OWASP). The subject's number is exported masked: a file leaves the duty room; the case
page has the number in full for those who must call it.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Float, cast, func, select
from sqlalchemy.orm import Session

from warn import vocabulary as labels
from warn.access.masking import masked_form
from warn.access.principal import Principal
from warn.access.scope import case_scope
from warn.console import reporting
from warn.console.formats import percent
from warn.render import LOCAL_TZ
from warn.store.models import CaseRow, District, School, SignalRow

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_CASES = 50_000
MAX_DAYS = 366


class ExportError(ValueError):
    """A filter that cannot be used; its message is the Chinese sentence to show."""


@dataclass(frozen=True)
class CaseQuery:
    first_day: date  # Beijing calendar days, both included
    last_day: date
    state: str | None = None

    @property
    def since(self) -> datetime:
        return _start_of(self.first_day)

    @property
    def until(self) -> datetime:
        return _start_of(self.last_day + timedelta(days=1))

    def described(self) -> dict[str, str]:
        """The filters as the audit log writes them down (never a number or a name)."""
        return {"from": self.first_day.isoformat(), "to": self.last_day.isoformat(),
                "state": self.state or "all"}


def _start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ)


def case_query(first: str, last: str, state: str, today: date) -> CaseQuery:
    """The filters of `/export/cases.csv` from what was typed; the last 30 days by default."""
    last_day = _day(last) if last.strip() else today
    first_day = _day(first) if first.strip() else last_day - timedelta(days=29)
    if first_day > last_day:
        raise ExportError(labels.EXPORT_ERRORS["order"])
    if (last_day - first_day).days + 1 > MAX_DAYS:
        raise ExportError(labels.EXPORT_ERRORS["span"])
    if state not in ("", "open", "resolved"):
        raise ExportError(labels.EXPORT_ERRORS["state"])
    return CaseQuery(first_day, last_day, state or None)


def _day(text: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ExportError(labels.EXPORT_ERRORS["date"]) from None
    if not 2000 <= day.year <= 2999:  # the calendar's ends overflow once moved to UTC
        raise ExportError(labels.EXPORT_ERRORS["date"])
    return day


def guarded(value: object) -> object:
    """A cell as Excel should show it: text that would start a formula gets a `'` first."""
    if isinstance(value, str) and (value.startswith(FORMULA_STARTS) or unicodedata.normalize(
            "NFKC", value).lstrip().startswith(FORMULA_STARTS)):
        # ` =1+1` and `＝1+1` too: some spreadsheets trim or fold what they are given
        return "'" + value
    return value


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([guarded(cell) for cell in row])
    return BOM + out.getvalue()


def _amount(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value else "0"


def case_rows(session: Session, user: Principal, query: CaseQuery
              ) -> tuple[list[str], list[list[object]]]:
    """The case ids exported and their rows, oldest first; ExportError beyond MAX_CASES."""
    amounts = reporting.amounts_subquery()
    signal_count = (select(func.count()).where(SignalRow.case_id == CaseRow.id)
                    .correlate(CaseRow).scalar_subquery())
    name = CaseRow.aggregate[("subject", "name")].as_string()
    conditions = [CaseRow.opened_at >= query.since, CaseRow.opened_at < query.until,
                  case_scope(user)]
    if query.state:
        conditions.append(CaseRow.state == query.state)
    found = session.execute(
        select(CaseRow.id, CaseRow.opened_at, CaseRow.resolved_at, CaseRow.state,
               CaseRow.outcome, CaseRow.tier, CaseRow.score,
               func.coalesce(District.name, CaseRow.district), School.name, name,
               CaseRow.msisdn, reporting.fraud_type_column(), signal_count,
               func.coalesce(cast(amounts.c.at_risk, Float), 0.0))
        .outerjoin(amounts, amounts.c.case_id == CaseRow.id)
        .outerjoin(District, District.id == CaseRow.district)
        .outerjoin(School, School.id == CaseRow.school)
        .where(*conditions).order_by(CaseRow.opened_at, CaseRow.id).limit(MAX_CASES + 1)
    ).all()
    if len(found) > MAX_CASES:
        raise ExportError(labels.EXPORT_ERRORS["too_many"].format(limit=MAX_CASES))
    return [row[0] for row in found], [_case_row(*row) for row in found]


def _case_row(case_id: str, opened: datetime, resolved: datetime | None, state: str,
              outcome: str | None, tier: str, score: int, district: str | None,
              school: str | None, name: str | None, msisdn: str, fraud: str | None,
              signals: int, at_risk: Any) -> list[object]:
    money = reporting.money_of(float(at_risk or 0), outcome)
    return [case_id, stamp_full(opened), stamp_full(resolved),
            labels.label(labels.CASE_STATES, state),
            labels.label(labels.OUTCOMES, outcome) if outcome else "",
            labels.label(labels.TIERS, tier), score, district or "", school or "",
            name or "", masked_form(msisdn) if msisdn else "",
            labels.report_fraud_label(fraud) if fraud else "", signals,
            _amount(money.at_risk), _amount(money.saved), _amount(money.lost)]


def stamp_full(moment: datetime | None) -> str:
    """`2026-02-23 18:43:05` in Beijing time: a spreadsheet sorts and reads it as a date."""
    if moment is None:
        return ""
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")


def dashboard_rows(view: dict[str, Any]) -> list[list[object]]:
    """The dashboard's figures as one table: the totals of today and the month, each day,
    and the month by school, fraud type and team."""
    groups = labels.DASHBOARD_EXPORT_GROUPS
    rows = [_tally_row(groups["total"], labels.PERIODS[period], tally)
            for period, tally in view["tallies"].items()]
    rows += [_tally_row(groups["day"], day, tally) for day, tally in view["days"]]
    for by, named in view["raw_breakdowns"].items():
        rows += [_tally_row(groups[by], name, tally) for name, tally in named]
    return rows


def _tally_row(group: str, item: str, tally: reporting.Tally) -> list[object]:
    return [group, item, tally.cases, tally.high, tally.dissuaded, tally.victimized,
            tally.open, percent(tally.rate), _amount(tally.at_risk), _amount(tally.saved),
            _amount(tally.lost)]


def file_name(kind: str, generated: datetime) -> str:
    return f"warn-{kind}-{generated.astimezone(LOCAL_TZ):%Y%m%d-%H%M}.csv"

