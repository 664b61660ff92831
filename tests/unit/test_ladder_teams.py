"""CONTRACT §4 `mobile_team`: a free team of the case's district, holding the stage while none
is free, and when a team's dispatch is over.

Most tests use a high case with no school: stage 1 (mobile_team, confirm 2m, wait 20m)
awaits confirmation from 5m and is confirmed at 6m.
"""

import pytest
from domain_fakes import (
    DUTY_OFFICERS,
    HIGH_KIND,
    MEDIUM_KIND,
    OFFICERS,
    POLICY,
    TEAM,
    FakeDirectory,
    arrive,
    at,
    closed,
    confirm,
    make_signal,
    notes,
    only,
    policy_with,
    report,
    sends,
    states,
    step,
    tick,
)

from warn.domain.case import flags, next_deadline
from warn.domain.events import Escalate, RecordOutcome, SendFailed, TeamFreed
from warn.domain.policy import policy_to_mapping

LADDERS = policy_to_mapping(POLICY)["ladders"]


def confirmed(d: FakeDirectory, district: str | None = "wanzhou"):
    """High case whose team stage (1) is confirmed at 6m; returns it and the confirm's effects."""
    case, _ = arrive(None, make_signal("s1", HIGH_KIND, school=None, district=district), at(), d)
    case, _ = tick(case, at(m=5), d)
    return confirm(case, 1, at(m=6), d)


def dispatched(d: FakeDirectory):
    case, _ = confirmed(d)
    assert states(case) == ["passed", "active"]
    return case, only(case, "mobile_team")


# --- choosing a team ------------------------------------------------------------------------


@pytest.mark.parametrize(("district", "team"), [
    ("wanzhou", TEAM),
    ("yunyang", "team-y1"),
    (None, TEAM),  # a case with no district: a team of any district
])
def test_mobile_team_goes_to_a_free_team_of_the_case_district(district, team):
    d = FakeDirectory()
    case, effects = confirmed(d, district=district)

    assert [(s.channel, s.recipient) for s in sends(effects)] == [("mobile_team", team)]
    assert d.taken == [team]
    assert only(case, "mobile_team").dispatch_open
    assert case.stages[1].wait_due == at(m=26)


def test_a_case_without_a_district_takes_a_team_of_any_district():
    d = FakeDirectory()
    d.free_teams["wanzhou"].clear()
    _, effects = confirmed(d, district=None)
    assert [s.recipient for s in sends(effects, "mobile_team")] == ["team-y1"]


def test_a_team_of_another_district_is_not_taken():
    d = FakeDirectory()
    d.free_teams["wanzhou"].clear()  # yunyang still has team-y1
    case, effects = confirmed(d)
    assert sends(effects, "mobile_team") == []
    assert flags(case) == ["no_team"]


# --- no team free ---------------------------------------------------------------------------


def test_with_no_team_free_the_case_is_flagged_no_team_and_officers_are_paged():
    d = FakeDirectory()
    d.no_free_team()
    case, effects = confirmed(d)

    assert sends(effects, "mobile_team") == []
    assert {s.recipient for s in sends(effects, "duty_page") if s.reason == "no_team"} == {
        *OFFICERS, *DUTY_OFFICERS}
    assert states(case) == ["passed", "pending"]
    assert flags(case) == ["no_team"]
    assert next_deadline(case) is None  # wait only runs from the dispatch
    assert notes(effects, "no_team")


def test_while_no_team_is_free_the_stage_keeps_waiting_without_paging_again():
    d = FakeDirectory()
    d.no_free_team()
    case, _ = confirmed(d)

    case, effects = step(case, TeamFreed(), at(m=20), d)  # another case's team: still none
    assert effects == []
    case, effects = tick(case, at(h=3), d)
    assert effects == []
    assert flags(case) == ["no_team"]


def test_team_freed_dispatches_it_and_wait_runs_from_that_dispatch():
    d = FakeDirectory()
    d.no_free_team()
    case, _ = confirmed(d)

    d.free("team-w2")
    case, effects = step(case, TeamFreed(), at(m=30), d)
    assert [(s.channel, s.recipient) for s in sends(effects)] == [("mobile_team", "team-w2")]
    stage = case.stages[1]
    assert stage.state == "active"
    assert (stage.started_at, stage.wait_due) == (at(m=30), at(m=50))
    assert flags(case) == []

    case, _ = tick(case, at(m=49, s=59), d)
    assert states(case) == ["passed", "active"]
    case, _ = tick(case, at(m=50), d)
    assert states(case) == ["passed", "passed"]


def test_team_freed_when_no_stage_waits_for_a_team_does_nothing():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d)
    after, effects = step(case, TeamFreed(), at(m=1), d)
    assert effects == [] and after == case


@pytest.mark.parametrize(("event", "final"), [
    (Escalate("officer-zhang"), "passed"),
    (RecordOutcome("false_positive", "officer-zhang"), "cancelled"),
])
def test_a_stage_held_for_a_team_can_be_ended_by_an_officer(event, final):
    d = FakeDirectory()
    d.no_free_team()
    case, _ = confirmed(d)
    case, effects = step(case, event, at(m=10), d)

    assert case.stages[1].state == final
    assert "no_team" not in flags(case)
    d.free("team-w2")
    case, effects = step(case, TeamFreed(), at(m=11), d)
    assert sends(effects) == []


# --- results and the end of a dispatch -----------------------------------------------------


def test_dissuaded_from_mobile_team_resolves_and_the_stage_succeeds():
    d = FakeDirectory()
    case, team = dispatched(d)
    case, effects = report(case, team, "dissuaded", at(m=15), d, actor=TEAM)

    assert (case.state, case.outcome) == ("resolved", "dissuaded")
    assert states(case) == ["passed", "succeeded"]
    assert closed(effects) == [team.id]


def _dissuaded(case, team, d):
    return report(case, team, "dissuaded", at(m=15), d, actor=TEAM)


def _not_found(case, team, d):
    return report(case, team, "not_found", at(m=15), d, actor=TEAM)


def _outcome(case, team, d):
    return step(case, RecordOutcome("victimized", "officer-zhang"), at(m=15), d)


def _wait_ran_out(case, team, d):
    return tick(case, at(m=26), d)


def _escalated(case, team, d):
    return step(case, Escalate("officer-zhang"), at(m=15), d)


def _send_failed(case, team, d):
    return step(case, SendFailed(team.id, "team radio unreachable"), at(m=15), d)


@pytest.mark.parametrize("end", [_dissuaded, _not_found, _outcome, _wait_ran_out, _escalated,
                                 _send_failed],
                         ids=["dissuaded", "not_found", "case resolved", "stage ended by wait",
                              "stage ended by escalate", "could not be sent"])
def test_a_team_dispatch_closes_exactly_once(end):
    d = FakeDirectory()
    case, team = dispatched(d)
    case, effects = end(case, team, d)

    assert closed(effects) == [team.id]
    assert not case.delivery(team.id).dispatch_open
    # nothing later closes it again
    case, effects = tick(case, at(m=40), d)
    assert closed(effects) == []
    if case.state == "open":
        case, effects = step(case, RecordOutcome("duplicate", "officer-zhang"), at(m=41), d)
        assert closed(effects) == []


@pytest.mark.parametrize("result", ["acknowledged", "arrived"])
def test_acknowledged_or_arrived_keeps_the_dispatch_open(result: str):
    d = FakeDirectory()
    case, team = dispatched(d)
    case, effects = report(case, team, result, at(m=10), d, actor=TEAM)

    assert closed(effects) == []
    assert case.delivery(team.id).dispatch_open
    assert states(case) == ["passed", "active"]


def test_not_found_from_the_only_team_fails_the_stage():
    d = FakeDirectory()
    case, team = dispatched(d)
    case, _ = report(case, team, "not_found", at(m=15), d, actor=TEAM)
    assert states(case) == ["passed", "failed"]
    assert flags(case) == ["exhausted"]


# --- upgrades and teams ---------------------------------------------------------------------


def test_an_upgrade_closes_the_dispatch_of_the_cancelled_stage():
    d = FakeDirectory()
    policy = policy_with(ladders={**LADDERS, "medium": [{"send": ["mobile_team"], "wait": "30m"}]})
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d, policy=policy)
    team = only(case, "mobile_team")

    case, effects = arrive(case, make_signal("s2", HIGH_KIND), at(m=3), d)
    assert case.stages[0].state == "cancelled"
    assert closed(effects) == [team.id]


def test_after_an_upgrade_an_already_dispatched_team_is_skipped_even_with_no_team_free():
    d = FakeDirectory()
    policy = policy_with(ladders={
        **LADDERS,
        "medium": [{"send": ["mobile_team"], "wait": "30m"}],
        "high": [{"send": ["mobile_team", "callback_96110"], "wait": "5m"}],
    })
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d, policy=policy)
    d.no_free_team()

    case, effects = arrive(case, make_signal("s2", HIGH_KIND), at(m=3), d)
    assert [s.channel for s in sends(effects)] == ["callback_96110"]
    assert states(case) == ["cancelled", "active"]
    assert "no_team" not in flags(case)
