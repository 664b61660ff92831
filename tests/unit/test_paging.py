"""Grouped duty pages (warn.domain.paging) and the roster rules of Facts, with explicit
times: at most one message per officer per minute, every waiting page carried by it."""

from datetime import timedelta

import pytest

from tests.unit.domain_fakes import T0, at
from warn.domain.facts import LONGEST_SHIFT, Facts, OnShift
from warn.domain.paging import PAGE_EVERY, PagePlan, WaitingPage, plan, summarise


def page(n: int, tier: str = "medium", reason: str | None = "confirm", case: str | None = None,
         seconds: int = 0) -> WaitingPage:
    return WaitingPage(f"d{n}", case or f"C{n}", tier, reason, at(s=seconds))


def test_nothing_waiting_plans_nothing() -> None:
    assert plan([], None, T0) == PagePlan((), None)
    assert plan([], at(s=30), at(s=40)) == PagePlan((), None)


def test_the_first_page_of_an_officer_goes_at_once() -> None:
    assert plan([page(1)], None, T0) == PagePlan((page(1),), None)


@pytest.mark.parametrize(("last", "now", "goes"), [
    (at(s=0), at(s=59), False),
    (at(s=0), at(s=60), True),
    (at(s=0), at(s=61), True),
    (at(s=10), at(s=10), False),
])
def test_a_page_inside_the_officers_minute_waits_for_its_end(last, now, goes) -> None:
    decided = plan([page(1)], last, now)
    if goes:
        assert decided == PagePlan((page(1),), None)
    else:
        assert decided == PagePlan((), last + PAGE_EVERY)


def test_a_clock_behind_the_last_message_still_waits_a_full_minute_after_it() -> None:
    assert plan([page(1)], at(s=30), at(s=0)).not_before == at(s=90)


def test_everything_waiting_goes_in_one_message_most_urgent_first() -> None:
    waiting = [page(1, "medium", "confirm", seconds=1), page(2, "high", "confirm", seconds=5),
               page(3, "medium", "overdue", seconds=3), page(4, "low", "exhausted"),
               page(5, "high", "no_team", seconds=9)]
    decided = plan(waiting, at(s=0), at(m=1))
    assert [p.delivery_id for p in decided.carried] == ["d5", "d2", "d3", "d1", "d4"]
    assert decided.not_before is None


def test_a_shorter_interval_can_be_asked_for() -> None:
    assert plan([page(1)], at(s=0), at(s=5), every=timedelta(seconds=5)).carried == (page(1),)


def test_a_summary_counts_cases_not_pages_and_names_the_first_few() -> None:
    carried = [page(1, "medium", "confirm", case="A"), page(2, "medium", "overdue", case="A"),
               page(3, "high", "confirm", case="B"), page(4, "medium", "no_team", case="C"),
               page(5, "low", "exhausted", case="D"), page(6, "medium", "confirm", case="E")]
    summary = summarise(carried, named=3)
    assert summary.cases == 5
    assert summary.tiers == (("high", 1), ("medium", 3), ("low", 1))
    assert [(n.case_id, n.reason) for n in summary.named] == [
        ("B", "confirm"), ("A", "overdue"), ("C", "no_team")]
    assert summary.more == 2


def test_a_summary_can_name_nobody() -> None:
    summary = summarise([page(1), page(2)], named=0)
    assert (summary.cases, summary.named, summary.more) == (2, (), 2)


# --- the roster in Facts ----------------------------------------------------------------

OFFICERS = {"wanzhou": ("cui", "li"), "yunyang": ("chen",), None: ("duty",)}


def facts(**roster: OnShift) -> Facts:
    return Facts(officers=OFFICERS, roster=roster)


def test_with_nobody_ever_signed_on_every_officer_is_paged() -> None:
    assert facts().officers_to_page("wanzhou", T0) == ("cui", "li", "duty")


def test_only_the_officers_on_shift_are_paged() -> None:
    roster = facts(li=OnShift(at(h=-1)), chen=OnShift(at(h=-1)))
    assert roster.officers_to_page("wanzhou", T0) == ("li",)
    assert roster.officers_to_page("yunyang", T0) == ("chen",)


def test_when_none_of_the_cases_officers_is_on_shift_all_of_them_are_paged() -> None:
    roster = facts(chen=OnShift(at(h=-1)))
    assert roster.officers_to_page("wanzhou", T0) == ("cui", "li", "duty")


def test_a_sign_on_counts_from_its_time_and_lapses_after_the_longest_shift() -> None:
    roster = facts(li=OnShift(T0), duty=OnShift(T0 - LONGEST_SHIFT))
    assert roster.officers_to_page("wanzhou", T0 - timedelta(seconds=1)) == (
        "duty",)  # li not yet on; duty still on (its last second)
    assert roster.officers_to_page("wanzhou", T0) == ("li",)  # duty's shift has lapsed


def test_supervisors_are_those_on_shift_as_lead_who_see_the_district() -> None:
    roster = facts(li=OnShift(at(h=-1), lead=True, district="wanzhou"),
                   chen=OnShift(at(h=-1), lead=True, district="yunyang"),
                   boss=OnShift(at(h=-1), lead=True, district=None),
                   cui=OnShift(at(h=-1), lead=False, district="wanzhou"),
                   old=OnShift(at(h=-25), lead=True, district=None))
    assert roster.supervisors_of("wanzhou", T0) == ("boss", "li")
    assert roster.supervisors_of(None, T0) == ("boss",)
