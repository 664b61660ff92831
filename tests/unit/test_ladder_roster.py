"""Whom a case pages (CONTRACT §4 duty pages, with the duty roster): the officers of the case
on shift, all of them when none is, and on an overdue confirmation the shift supervisors
(值班领导) who see the case as well. A high case with no school: stage 1 awaits
confirmation from 5m, overdue at 7m."""

from dataclasses import dataclass, field, replace
from datetime import timedelta

from domain_fakes import HIGH_KIND, FakeDirectory, arrive, at, make_signal, notes, sends, tick

from warn.domain.facts import Facts, OnShift


@dataclass
class RosterDirectory(FakeDirectory):
    roster: dict[str, OnShift] = field(default_factory=dict)

    def facts(self) -> Facts:
        return replace(super().facts(), roster=dict(self.roster))


def pages(effects, reason: str) -> list[str]:
    return [s.recipient for s in sends(effects, "duty_page") if s.reason == reason]


def overdue_case(d: RosterDirectory):
    case, _ = arrive(None, make_signal("s1", HIGH_KIND, school=None), at(), d)
    case, asked = tick(case, at(m=5), d)
    case, late = tick(case, at(m=7), d)
    return case, asked, late


def test_with_nobody_on_shift_every_officer_of_the_case_is_paged_as_before():
    _, asked, late = overdue_case(RosterDirectory())
    assert pages(asked, "confirm") == ["officer-zhang", "officer-duty"]
    assert pages(late, "overdue") == ["officer-zhang", "officer-duty"]


def test_only_the_officers_on_shift_are_paged():
    d = RosterDirectory(roster={"officer-duty": OnShift(at(h=-2))})
    _, asked, _ = overdue_case(d)
    assert pages(asked, "confirm") == ["officer-duty"]


def test_an_overdue_confirmation_goes_up_to_the_supervisor_on_shift():
    d = RosterDirectory(roster={
        "officer-zhang": OnShift(at(h=-2)),
        "lead-wang": OnShift(at(h=-1), lead=True, district="wanzhou"),
        "lead-chen": OnShift(at(h=-1), lead=True, district="yunyang"),  # not this district
    })
    _, asked, late = overdue_case(d)
    assert pages(asked, "confirm") == ["officer-zhang"]  # the supervisor only when late
    assert pages(late, "overdue") == ["officer-zhang", "lead-wang"]
    assert [n.detail for n in notes(late, "duty_page")] == [
        "确认超时：已呼叫 officer-zhang；上报值班领导 lead-wang"]


def test_a_supervisor_who_is_also_paged_as_an_officer_is_paged_once():
    d = RosterDirectory(roster={"officer-zhang": OnShift(at(h=-2), lead=True,
                                                         district="wanzhou")})
    _, _, late = overdue_case(d)
    assert pages(late, "overdue") == ["officer-zhang"]


def test_a_supervisor_whose_shift_lapsed_is_not_paged():
    d = RosterDirectory(roster={"lead-wang": OnShift(at(h=-24) + timedelta(minutes=6),
                                                     lead=True)})
    _, _, late = overdue_case(d)  # overdue at 7m: the lead's 24 hours ended at 6m
    assert pages(late, "overdue") == ["officer-zhang", "officer-duty"]
