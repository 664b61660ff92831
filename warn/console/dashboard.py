"""The dashboard: today and the last 30 days, as figures and charts.

劝阻率 (dissuasion rate) = dissuaded ÷ (dissuaded + victimized + warned) among the cases
opened in the period that have ended: false positives and duplicates were never frauds to
stop, and open cases have no result yet. Cases count on the Beijing day they were opened.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from warn import vocabulary as labels
from warn.access.principal import Principal
from warn.console import charts, reporting, stats
from warn.console.formats import percent, span
from warn.render import yuan
from warn.service.context import Context
from warn.store.models import School

TIER_COLORS = {"high": "#c4231c", "medium": "#d98200", "low": "#8a97a8"}
OUTCOME_COLORS = {"dissuaded": "#237a35", "warned": "#5c8fd6", "victimized": "#8b1a14",
                  "false_positive": "#a7b1bd", "duplicate": "#cfd5dd", "open": "#e8b65a"}
STATE_COLORS = {"sent": "#1459b8", "failed": "#c4231c", "queued": "#e8b65a",
                "cancelled": "#a7b1bd"}
CHANNELS = ("flash_sms", "callback_96110", "school_group", "mobile_team")
BUCKETS = ((10, "<10秒"), (30, "10–30秒"), (60, "30秒–1分"), (120, "1–2分"), (300, "2–5分"),
           (600, "5–10分"), (1800, "10–30分"), (None, "≥30分"))
STOPPED = ("dissuaded", "victimized", "warned")


def dashboard(ctx: Context, user: Principal) -> dict[str, Any]:
    span_ = stats.window(ctx.now())
    with ctx.reads() as session:
        cases = stats.case_counts(session, user, span_.since)
        sends = stats.delivery_counts(session, user, span_.since)
        times = stats.timings(session, user, span_.since)
        days = reporting.money_by_day(session, user, span_.since, stats.local_day)
        groups = {by: _named(session, by, reporting.breakdown(session, user, by, span_.since))
                  for by in labels.BREAKDOWNS}
    today = span_.today
    periods: dict[str, Callable[[str], bool]] = {"today": lambda day: day == today,
                                                 "month": lambda day: True}
    figures = {name: _figures(cases, sends, times, keep) for name, keep in periods.items()}
    for name, keep in periods.items():
        figures[name].update(money_figures(
            reporting.total(t for day, t in days.items() if keep(day))))
    return {
        "figures": figures,
        "charts": _charts(span_, cases, sends, times, periods),
        "breakdowns": {by: [(name, tally_row(t)) for name, t in rows]
                       for by, rows in groups.items()},
        "days": [(day, days.get(day, reporting.Tally())) for day in span_.days],
        "tallies": {name: reporting.total(t for day, t in days.items() if keep(day))
                    for name, keep in periods.items()},
        "raw_breakdowns": groups,
        "sampled": len(times) >= stats.SAMPLE_LIMIT, "sample_limit": stats.SAMPLE_LIMIT,
        "generated": ctx.now(),
    }


def money_figures(tally: reporting.Tally) -> dict[str, str]:
    return {"at_risk": yuan(tally.at_risk), "saved": yuan(tally.saved),
            "lost": yuan(tally.lost)}


def tally_row(tally: reporting.Tally) -> dict[str, str | int]:
    """A breakdown's row as the page shows it."""
    return {"cases": tally.cases, "high": tally.high, "dissuaded": tally.dissuaded,
            "victimized": tally.victimized, "open": tally.open, "rate": percent(tally.rate),
            **money_figures(tally)}


def _named(session: Session, by: str, rows: list[tuple[str | None, reporting.Tally]]
           ) -> list[tuple[str, reporting.Tally]]:
    """Each group under the name a person knows it by: a school's registered name, a fraud
    type's word (an unknown one as the feed sent it), a team's id."""
    schools: dict[str, str] = {}
    if by == "school":
        ids = [key for key, _ in rows if key]
        schools = dict(session.execute(select(School.id, School.name)
                                       .where(School.id.in_(ids))).all())
    named = []
    for key, tally in rows:
        if key is None:
            name = labels.BREAKDOWN_NONE[by]
        elif by == "school":
            name = schools.get(key, key)
        elif by == "fraud":
            name = labels.report_fraud_label(key)
        else:
            name = key
        named.append((name, tally))
    return named


def rate(outcomes: Counter[str]) -> float | None:
    ended = sum(outcomes[o] for o in STOPPED)
    return outcomes["dissuaded"] / ended if ended else None


def _figures(cases: Sequence[tuple[str, str, str, int]], sends: Sequence[tuple[str, str, str, int]],
             times: Sequence[stats.Timing], keep: Any) -> dict[str, str | int]:
    outcomes: Counter[str] = Counter()
    tiers: Counter[str] = Counter()
    for day, tier, outcome, n in cases:
        if keep(day):
            outcomes[outcome] += n
            tiers[tier] += n
    warn_times = [t.to_warning for t in times if keep(t.day) and t.to_warning is not None]
    stop_times = [t.to_dissuaded for t in times if keep(t.day) and t.to_dissuaded is not None]
    return {"cases": sum(tiers.values()), "high": tiers["high"],
            "dissuaded": outcomes["dissuaded"], "open": outcomes["open"],
            "rate": percent(rate(outcomes)),
            "sent": sum(n for day, _, state, n in sends if keep(day) and state == "sent"),
            "warn_p50": span(stats.percentile(warn_times, 0.5)),
            "warn_p90": span(stats.percentile(warn_times, 0.9)),
            "stop_p50": span(stats.percentile(stop_times, 0.5)),
            "stop_p90": span(stats.percentile(stop_times, 0.9))}


def _charts(window: stats.Window, cases: Sequence[tuple[str, str, str, int]],
            sends: Sequence[tuple[str, str, str, int]], times: Sequence[stats.Timing],
            periods: dict[str, Any]) -> dict[str, Markup]:
    days = [day[5:].replace("-", "/") for day in window.days]  # 02/23
    drawn = {"daily": _daily_tiers(window, days, cases), "rate": _daily_rate(window, days, cases)}
    for name, keep in periods.items():
        drawn[f"outcomes_{name}"] = _tier_outcomes(cases, keep)
        drawn[f"channels_{name}"] = _channels(sends, keep)
    month_warn = [t.to_warning for t in times if t.to_warning is not None]
    month_stop = [t.to_dissuaded for t in times if t.to_dissuaded is not None]
    drawn["to_warning"] = _histogram(month_warn, "信号→首次预警用时（近30天）", "#1459b8")
    drawn["to_dissuaded"] = _histogram(month_stop, "信号→劝阻成功用时（近30天）", "#237a35")
    return drawn


def _daily_tiers(window: stats.Window, days: list[str],
                 cases: Sequence[tuple[str, str, str, int]]) -> Markup:
    per: Counter[tuple[str, str]] = Counter()
    for day, tier, _, n in cases:
        per[(day, tier)] += n
    series = [charts.Series(f"{labels.TIERS[t]}风险", TIER_COLORS[t],
                            [per[(d, t)] for d in window.days]) for t in ("high", "medium", "low")]
    return charts.stacked_columns(days, series, "近30天每日立案（按风险等级）")


def _daily_rate(window: stats.Window, days: list[str],
                cases: Sequence[tuple[str, str, str, int]]) -> Markup:
    per: dict[str, Counter[str]] = {d: Counter() for d in window.days}
    for day, _, outcome, n in cases:
        if day in per:
            per[day][outcome] += n
    return charts.line(days, [rate(per[d]) for d in window.days], "近30天每日劝阻率", "#237a35")


def _tier_outcomes(cases: Sequence[tuple[str, str, str, int]], keep: Any) -> Markup:
    per: Counter[tuple[str, str]] = Counter()
    for day, tier, outcome, n in cases:
        if keep(day):
            per[(tier, outcome)] += n
    words = {**labels.OUTCOMES, "open": "在办"}
    rows = [(f"{labels.TIERS[t]}风险",
             [(words[o], per[(t, o)], color) for o, color in OUTCOME_COLORS.items()])
            for t in ("high", "medium", "low")]
    return charts.stacked_bars(rows, "风险等级与结果")


def _channels(sends: Sequence[tuple[str, str, str, int]], keep: Any) -> Markup:
    per: Counter[tuple[str, str]] = Counter()
    for day, channel, state, n in sends:
        if keep(day):
            per[(channel, state)] += n
    rows = [(labels.CHANNELS[c], [(labels.DELIVERY_STATES[s], per[(c, s)], color)
                                  for s, color in STATE_COLORS.items()]) for c in CHANNELS]
    return charts.stacked_bars(rows, "各渠道预警量")


def _histogram(values: list[float], title: str, color: str) -> Markup:
    counts = [0] * len(BUCKETS)
    for value in values:
        counts[_bucket(value)[0]] += 1
    markers = []
    for name, q in (("中位", 0.5), ("P90", 0.9)):
        found = stats.percentile(values, q)
        if found is not None:
            index, fraction = _bucket(found)
            markers.append((f"{name} {span(found)}", index + fraction))
    return charts.histogram([(words, n) for (_, words), n in zip(BUCKETS, counts, strict=True)],
                            markers, title, color)


def _bucket(seconds: float) -> tuple[int, float]:
    """The bucket of a duration, and where inside it (0..1) the duration falls."""
    low = 0.0
    for index, (high, _) in enumerate(BUCKETS):
        if high is None:
            return index, 0.5
        if seconds < high:
            return index, (seconds - low) / (high - low)
        low = float(high)
    return len(BUCKETS) - 1, 0.5
