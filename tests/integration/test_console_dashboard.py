"""The dashboard on SQLite and PostgreSQL: Beijing calendar days, the dissuasion rate, times
from signal to warning and to dissuaded, scope — and the charts on the page."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from api_harness import Api
from api_harness import api as api  # the fixture
from console_harness import person

from warn.access.principal import Principal
from warn.console import stats
from warn.console.dashboard import dashboard, rate

# 23:50 on 23 February in Beijing: the first case opens just before local midnight.
EVENING = datetime(2026, 2, 23, 15, 50, tzinfo=UTC)
ROOT = Principal(name="root", role="admin")


@pytest.fixture
def history(api: Api) -> Api:
    api.clock.now = EVENING
    officer = "cui"
    api.user(officer, "officer", district="wanzhou")

    def resolve(case_id: str, outcome: str) -> None:
        answer = api.post(officer, f"/v1/cases/{case_id}/outcome", {"outcome": outcome})
        assert answer.status_code == 200, answer.text

    yesterday = api.open_case("scam_site_visit", msisdn="+8613900000001", district="wanzhou")
    api.tick(minutes=2)
    resolve(yesterday, "dissuaded")  # two minutes after its signal
    api.tick(minutes=13)  # 00:05 on the 24th in Beijing
    victim = api.open_case("flagged_call", msisdn="+8613900000002", district="wanzhou")
    api.tick(minutes=1)
    resolve(victim, "victimized")
    api.open_case("scam_sms", msisdn="+8613900000003", district="wanzhou")  # low, still open
    mistake = api.open_case("scam_site_visit", msisdn="+8613900000004", district="wanzhou")
    resolve(mistake, "false_positive")
    api.open_case("scam_site_visit", msisdn="+8613900000005", district="fuling")
    return api


def test_days_are_beijing_days_and_counts_are_grouped_in_sql(history: Api) -> None:
    window = stats.window(history.clock.now)
    assert window.today == "2026-02-24" and window.days[0] == "2026-01-26"
    assert window.since == datetime(2026, 1, 25, 16, 0, tzinfo=UTC)
    with history.ctx.sessions() as session:
        counts = stats.case_counts(session, Principal("cui", "officer", district="wanzhou"),
                                   window.since)
    assert sorted(counts) == [("2026-02-23", "medium", "dissuaded", 1),
                              ("2026-02-24", "high", "victimized", 1),
                              ("2026-02-24", "low", "open", 1),
                              ("2026-02-24", "medium", "false_positive", 1)]


def test_figures_for_today_and_the_month(history: Api) -> None:
    view = dashboard(history.ctx, Principal("cui", "officer", district="wanzhou"))
    today, month = view["figures"]["today"], view["figures"]["month"]
    assert (today["cases"], today["high"], today["dissuaded"], today["rate"]) == \
        (3, 1, 0, "0%")  # the only stopped-or-not case today was a victim
    assert (month["cases"], month["dissuaded"], month["rate"]) == (4, 1, "50%")
    assert month["stop_p50"] == "2分钟" and month["warn_p50"] == "0秒"
    assert today["stop_p50"] == "—"  # nothing dissuaded today: no time to show
    assert month["sent"] > 0
    everyone = dashboard(history.ctx, ROOT)["figures"]["month"]
    assert everyone["cases"] == 5


def test_the_page_draws_charts(history: Api) -> None:
    officer = person(history, "boss", "officer")
    page = officer.get("/dashboard")
    assert page.status_code == 200
    assert page.text.count("<svg") == 8 and "劝阻率" in page.text
    assert "近30天每日立案" in page.text and "P90" in page.text
    assert "<script" not in page.text.split("</head>")[1]  # no inline script anywhere


def test_rate_and_percentiles() -> None:
    assert rate(Counter({"dissuaded": 3, "victimized": 1, "false_positive": 5})) == 0.75
    assert rate(Counter({"open": 2, "duplicate": 1})) is None
    assert stats.percentile([4, 1, 3, 2], 0.5) == 2.5
    assert stats.percentile([1, 2, 3, 4], 0.9) == pytest.approx(3.7)
    assert stats.percentile([7], 0.9) == 7 and stats.percentile([], 0.5) is None
