"""Rules a duty room works by, with explicit times:
- CONTRACT §3 `confirm {"stage", "team"}`: the officer names the team to send, of any
  district; a busy or unknown team is refused (409);
- sending a team at once (one step, no second confirmation);
- the medium ladder's team stage waits for 96110's first try (`after_tried`);
- the deadline `sort=urgency` orders by (`urgency_deadline`).

The medium case here has no school: stage 0 (flash + callback, wait 10m), stage 1
(school_group, skipped), stage 2 (mobile_team, confirm 5m, after_tried callback_96110).
"""

from dataclasses import replace

import pytest
from domain_fakes import (
    BUILT_IN_POLICY,
    HIGH_KIND,
    MEDIUM_KIND,
    POLICY,
    TEAM,
    FakeDirectory,
    arrive,
    at,
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

from warn.domain.case import flags, next_deadline, urgency_deadline
from warn.domain.decide import decide
from warn.domain.events import Confirm, Escalate, Rejected, SendFailed, SendTeamNow
from warn.domain.policy import PolicyError, policy_to_mapping


def high_awaiting(d: FakeDirectory):
    """A high case of wanzhou whose team stage (1) awaits confirmation from 5m, due 7m."""
    case, _ = arrive(None, make_signal("s1", HIGH_KIND, school=None), at(), d)
    case, _ = tick(case, at(m=5), d)
    assert states(case) == ["passed", "awaiting_confirmation"]
    return case


def medium_after_callback_wait(d: FakeDirectory):
    """A medium case without a school, 10 minutes in: its callback has had no try yet."""
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND, school=None), at(), d,
                     policy=BUILT_IN_POLICY)
    case, effects = tick(case, at(m=10), d)
    return case, effects


# --- confirm with a team ------------------------------------------------------------------


def test_confirm_sends_the_team_the_officer_names_even_of_another_district():
    d = FakeDirectory()
    case = high_awaiting(d)
    case, effects = step(case, Confirm(1, "officer-zhang", team="team-y1"), at(m=6), d)
    assert [s.recipient for s in sends(effects, "mobile_team")] == ["team-y1"]
    assert case.stages[1].state == "active"
    assert flags(case) == []
    assert case.stages[1].wait_due == at(m=26)


def test_confirm_without_a_team_sends_the_free_team_of_the_case_district():
    d = FakeDirectory()
    case = high_awaiting(d)
    _, effects = step(case, Confirm(1, "officer-zhang"), at(m=6), d)
    assert [s.recipient for s in sends(effects, "mobile_team")] == [TEAM]


def test_confirm_naming_an_unknown_team_is_refused_and_changes_nothing():
    d = FakeDirectory()
    case = high_awaiting(d)
    with pytest.raises(Rejected, match="no team 'team-x9'"):
        step(case, Confirm(1, "officer-zhang", team="team-x9"), at(m=6), d)
    assert case.stages[1].state == "awaiting_confirmation"


def test_confirm_naming_a_busy_team_is_refused():
    d = FakeDirectory()
    case = high_awaiting(d)
    busy = replace(d.facts(), team_load={"team-y1": 1})  # its one place is taken
    with pytest.raises(Rejected, match="team 'team-y1' is busy"):
        decide(case, Confirm(1, "officer-zhang", team="team-y1"), at(m=6), busy)


def test_naming_a_team_for_a_stage_that_sends_none_is_refused():
    d = FakeDirectory()
    policy = policy_with(ladders={**policy_to_mapping(POLICY)["ladders"], "high": [
        {"send": ["flash_sms"], "confirm": "2m", "wait": "5m"},
        {"send": ["mobile_team"], "wait": "20m"}]})
    case, _ = arrive(None, make_signal("s1", HIGH_KIND, school=None), at(), d, policy=policy)
    with pytest.raises(Rejected, match="sends no mobile team"):
        step(case, Confirm(0, "officer-zhang", team=TEAM), at(m=1), d)


# --- a team at once -------------------------------------------------------------------------


def test_send_team_now_skips_to_the_team_stage_without_a_second_confirmation():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", HIGH_KIND, school=None), at(), d)
    case, effects = step(case, SendTeamNow("officer-zhang", reason="通话仍在继续"), at(m=1), d)
    assert states(case) == ["passed", "active"]
    assert [s.recipient for s in sends(effects, "mobile_team")] == [TEAM]
    assert [n.actor for n in notes(effects, "team_now")] == ["officer-zhang"]
    assert "awaiting_confirmation" not in flags(case)


def test_send_team_now_passes_over_the_stages_between():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d)  # a student: school stage
    case, effects = step(case, SendTeamNow("officer-zhang", team="team-y1"), at(m=2), d)
    assert states(case) == ["passed", "skipped", "active"]
    assert [s.recipient for s in sends(effects, "mobile_team")] == ["team-y1"]
    assert sends(effects, "school_group") == []


def test_send_team_now_with_no_team_free_and_none_named_is_refused():
    d = FakeDirectory()
    d.no_free_team()
    case, _ = arrive(None, make_signal("s1", HIGH_KIND, school=None), at(), d)
    case, _ = tick(case, at(m=5), d)
    case, _ = step(case, Confirm(1, "officer-zhang"), at(m=6), d)
    assert flags(case) == ["no_team"]
    with pytest.raises(Rejected, match="no mobile team is free"):
        step(case, SendTeamNow("officer-zhang"), at(m=7), d)
    d.free("team-y1", "yunyang")
    case, effects = step(case, SendTeamNow("officer-zhang", team="team-y1"), at(m=7), d)
    assert [s.recipient for s in sends(effects, "mobile_team")] == ["team-y1"]
    assert flags(case) == []


def test_send_team_now_on_a_ladder_without_a_team_stage_left_is_refused():
    d = FakeDirectory()
    case = high_awaiting(d)
    case, _ = step(case, Confirm(1, "officer-zhang"), at(m=6), d)
    case, _ = tick(case, at(m=26), d)  # the team stage ran out: exhausted
    with pytest.raises(Rejected):
        step(case, SendTeamNow("officer-zhang"), at(m=27), d)


# --- after_tried: no team before 96110 has called -------------------------------------------


def test_the_team_stage_is_not_asked_for_before_the_callback_was_tried():
    d = FakeDirectory()
    case, effects = medium_after_callback_wait(d)
    assert states(case) == ["passed", "skipped", "pending"]
    assert case.stages[2].waiting_tried
    assert sends(effects, "duty_page") == []  # nobody is paged for a confirmation yet
    assert flags(case) == []
    assert next_deadline(case) is None
    assert [n.type for n in notes(effects, "waiting_tried")] == ["waiting_tried"]


def test_the_first_callback_result_lets_the_team_stage_ask_for_confirmation():
    d = FakeDirectory()
    case, _ = medium_after_callback_wait(d)
    callback = only(case, "callback_96110")
    case, effects = report(case, callback, "no_answer", at(m=14), d)
    assert states(case)[2] == "awaiting_confirmation"
    assert case.stages[2].confirm_due == at(m=19)  # its confirm runs from the try
    assert sends(effects, "duty_page")
    assert flags(case) == ["awaiting_confirmation"]


def test_a_callback_tried_before_the_wait_ran_out_does_not_hold_the_stage():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND, school=None), at(), d,
                     policy=BUILT_IN_POLICY)
    case, _ = report(case, only(case, "callback_96110"), "hung_up", at(m=3), d)
    case, _ = tick(case, at(m=10), d)
    assert states(case)[2] == "awaiting_confirmation"


def test_a_callback_that_could_not_be_sent_holds_nothing_back():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND, school=None), at(), d,
                     policy=BUILT_IN_POLICY)
    case, _ = step(case, SendFailed(only(case, "callback_96110").id, "gateway down"), at(m=1), d)
    case, _ = tick(case, at(m=10), d)
    assert states(case)[-1] == "awaiting_confirmation"


def test_an_officer_can_still_escalate_past_a_held_stage():
    d = FakeDirectory()
    case, _ = medium_after_callback_wait(d)
    case, _ = step(case, Escalate("officer-zhang", "无法回拨"), at(m=12), d)
    assert states(case) == ["passed", "skipped", "passed"]
    assert flags(case) == ["exhausted"]


def test_the_high_ladder_does_not_wait_for_a_callback():
    d = FakeDirectory()
    case = high_awaiting(d)
    assert not case.stages[1].waiting_tried


def test_after_tried_must_name_a_channel_an_earlier_stage_sends():
    ladders = policy_to_mapping(POLICY)["ladders"]
    bad = {**ladders, "high": [{"send": ["flash_sms"], "wait": "5m"},
                               {"send": ["mobile_team"], "after_tried": ["callback_96110"]}]}
    with pytest.raises(PolicyError, match="no earlier stage of this ladder sends"):
        policy_with(ladders=bad)
    worse = {**ladders, "low": [{"send": ["flash_sms"], "after_tried": "flash_sms"}]}
    with pytest.raises(PolicyError, match="reports no attempts"):
        policy_with(ladders=worse)


def test_after_tried_survives_the_policy_document_round_trip():
    stages = policy_to_mapping(BUILT_IN_POLICY)["ladders"]["medium"]
    assert stages[2]["after_tried"] == ["callback_96110"]


# --- the duty room's deadline -----------------------------------------------------------------


def test_an_overdue_confirmation_sorts_by_the_time_it_was_due():
    d = FakeDirectory()
    case = high_awaiting(d)
    assert urgency_deadline(case) == at(m=7)
    case, _ = tick(case, at(m=7), d)
    assert flags(case) == ["awaiting_confirmation", "overdue"]
    assert next_deadline(case) is None
    assert urgency_deadline(case) == at(m=7)


def test_a_running_stage_sorts_by_its_next_deadline():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND, school=None), at(m=1), d)
    assert urgency_deadline(case) == at(m=11)
