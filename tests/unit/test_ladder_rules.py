"""CONTRACT §4, one test per rule, with explicit times: the low ladder and its case window,
dispatching, failing, skipping, acknowledging and escalating stages, running out of stages.

Confirmation, mobile teams, tier upgrades and resolution have files of their own.
Built-in policy: low [flash]; medium [flash+callback wait 10m] [school wait 30m ack 5m]
[team confirm 5m wait 30m]; high [flash+callback+school wait 5m ack 2m] [team confirm 2m wait 20m].
"""

from datetime import timedelta

import pytest
from domain_fakes import (
    HIGH_KIND,
    LIAISONS,
    LOW_KIND,
    MEDIUM_KIND,
    MSISDN,
    POLICY,
    SCHOOL_WITHOUT_LIAISON,
    FakeDirectory,
    arrive,
    at,
    confirm,
    decline,
    deliveries,
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
from warn.domain.events import Escalate, RecordOutcome, Rejected, SendFailed
from warn.domain.policy import policy_to_mapping

LADDERS = policy_to_mapping(POLICY)["ladders"]


def custom_ladder(tier: str, stages: list[dict]):
    """The built-in policy with one tier's ladder replaced."""
    return policy_with(ladders={**LADDERS, tier: stages})


def channels_sent(effects) -> list[tuple[str, str]]:
    return [(s.channel, s.recipient) for s in sends(effects)]


# --- the low ladder and the case window -----------------------------------------------------


def test_low_ladder_sends_one_flash_and_ends():
    d = FakeDirectory()
    case, effects = arrive(None, make_signal("s1", LOW_KIND), at(), d)

    assert case.tier == "low"
    assert channels_sent(effects) == [("flash_sms", MSISDN)]
    assert states(case) == ["passed"]
    assert case.ladder == "ended"
    assert flags(case) == []
    assert next_deadline(case) == at(h=2)  # case_window after the signal


def test_low_case_closes_warned_case_window_after_its_last_signal():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", LOW_KIND), at(), d)

    case, effects = tick(case, at(h=1, m=59, s=59), d)
    assert case.state == "open" and effects == []

    case, effects = tick(case, at(h=2), d)
    assert (case.state, case.outcome, case.resolved_at) == ("resolved", "warned", at(h=2))
    assert sends(effects) == []
    assert next_deadline(case) is None


def test_low_case_window_runs_from_the_last_signal():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", LOW_KIND), at(), d)
    case, effects = arrive(case, make_signal("s2", LOW_KIND), at(h=1), d)

    assert sends(effects) == []  # the ladder has ended: no second flash
    assert next_deadline(case) == at(h=3)
    case, _ = tick(case, at(h=2), d)
    assert case.state == "open"
    case, _ = tick(case, at(h=3), d)
    assert (case.state, case.outcome) == ("resolved", "warned")


def test_low_case_a_signal_before_the_window_closes_joins_it():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", LOW_KIND), at(), d)
    case, _ = arrive(case, make_signal("s2", LOW_KIND), at(h=1, m=59, s=59), d)

    assert case.state == "open"
    assert case.signal_ids == ["s1", "s2"]
    assert next_deadline(case) == at(h=3, m=59, s=59)


def test_low_case_closed_by_its_window_takes_no_more_signals():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", LOW_KIND), at(), d)
    case, _ = tick(case, at(h=2), d)
    with pytest.raises(Rejected):
        arrive(case, make_signal("s2", LOW_KIND), at(h=2, m=1), d)


def test_low_case_a_signal_after_the_window_does_not_join_it_even_before_the_tick():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", LOW_KIND), at(), d)
    assert case.state == "open"  # no tick has closed it

    # Not refused: the window is closed first and the case comes back without the signal,
    # for the service to open a new case with it.
    case, effects = arrive(case, make_signal("s2", LOW_KIND), at(h=2, m=1), d)
    assert (case.state, case.outcome) == ("resolved", "warned")
    assert case.signal_ids == ["s1"]
    assert sends(effects) == []
    assert notes(effects, "resolved") and not notes(effects, "signal")


@pytest.mark.parametrize("failure", ["send failed", "failed result"])
def test_low_flash_that_fails_to_send_fails_the_stage_and_exhausts(failure: str):
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", LOW_KIND), at(), d)
    flash = only(case, "flash_sms")
    if failure == "send failed":
        case, _ = step(case, SendFailed(flash.id, "gateway down"), at(m=1), d)
    else:
        case, _ = report(case, flash, "failed", at(m=1), d, actor="sms-gateway")

    assert states(case) == ["failed"]
    assert flags(case) == ["exhausted"]
    assert next_deadline(case) is None
    case, _ = tick(case, at(h=5), d)
    assert (case.state, case.outcome) == ("open", None)  # not warned: it stays for an officer


@pytest.mark.parametrize("result", ["delivered", "read"])
def test_low_flash_delivered_or_read_changes_nothing(result: str):
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", LOW_KIND), at(), d)
    case, effects = report(case, only(case, "flash_sms"), result, at(m=1), d)

    assert states(case) == ["passed"] and case.ladder == "ended"
    assert next_deadline(case) == at(h=2)
    assert sends(effects) == []


# --- dispatching and waiting ------------------------------------------------------------------


def test_medium_stage_0_dispatches_flash_and_callback_at_once():
    d = FakeDirectory()
    case, effects = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d)

    assert case.tier == "medium"
    assert channels_sent(effects) == [("flash_sms", MSISDN), ("callback_96110", MSISDN)]
    assert all(s.stage == 0 for s in sends(effects))
    assert states(case) == ["active", "pending", "pending"]
    stage = case.stages[0]
    assert (stage.started_at, stage.wait_due, stage.ack_due) == (at(), at(m=10), None)
    assert next_deadline(case) == at(m=10)


def test_wait_running_out_passes_the_stage_and_starts_the_next_at_once():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d)

    case, effects = tick(case, at(m=9, s=59), d)
    assert effects == [] and states(case) == ["active", "pending", "pending"]

    case, effects = tick(case, at(m=10), d)
    assert states(case) == ["passed", "active", "pending"]
    assert channels_sent(effects) == [("school_group", name) for name in LIAISONS]
    stage = case.stages[1]
    assert (stage.started_at, stage.ack_due, stage.wait_due) == (at(m=10), at(m=15), at(m=40))
    assert next_deadline(case) == at(m=15)


@pytest.mark.parametrize("result", ["not_believed", "hung_up", "no_answer"])
def test_negative_callback_result_fails_the_stage_at_once(result: str):
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d)
    case, effects = report(case, only(case, "callback_96110"), result, at(m=1), d)

    assert states(case) == ["failed", "active", "pending"]
    assert case.stages[1].started_at == at(m=1)  # not at the 10m wait
    assert {s.channel for s in sends(effects)} == {"school_group"}


def test_callback_that_cannot_be_sent_fails_the_stage_at_once():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d)
    case, _ = step(case, SendFailed(only(case, "callback_96110").id, "line busy"), at(m=1), d)

    assert states(case) == ["failed", "active", "pending"]
    assert case.stages[1].started_at == at(m=1)


FLASH_THEN_CALLBACK = [{"send": ["flash_sms"], "wait": "10m"},
                       {"send": ["callback_96110"], "wait": "10m"}]


@pytest.mark.parametrize(("failure", "stage_fails"), [
    ("send failed", True),
    ("failed", True),
    ("delivered", False),
    ("read", False),
])
def test_flash_only_stage_fails_only_when_its_flash_failed(failure: str, stage_fails: bool):
    d = FakeDirectory()
    policy = custom_ladder("medium", FLASH_THEN_CALLBACK)
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d, policy=policy)
    flash = only(case, "flash_sms")
    if failure == "send failed":
        case, _ = step(case, SendFailed(flash.id, "gateway down"), at(m=1), d)
    else:
        case, _ = report(case, flash, failure, at(m=1), d)

    if stage_fails:
        assert states(case) == ["failed", "active"]
        assert case.stages[1].started_at == at(m=1)
    else:
        assert states(case) == ["active", "pending"]
        assert next_deadline(case) == at(m=10)


def test_stage_with_flash_and_callback_does_not_fail_when_only_the_flash_fails():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d)
    case, _ = step(case, SendFailed(only(case, "flash_sms").id, "gateway down"), at(m=1), d)

    assert states(case) == ["active", "pending", "pending"]
    assert next_deadline(case) == at(m=10)

    # ... it fails once the callback too can no longer dissuade
    case, _ = report(case, only(case, "callback_96110"), "no_answer", at(m=2), d)
    assert states(case) == ["failed", "active", "pending"]


def test_stage_fails_only_when_every_decisive_delivery_is_negative():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", HIGH_KIND), at(), d)  # flash, callback, 2 liaisons
    first, second = deliveries(case, "school_group")

    case, _ = report(case, only(case, "callback_96110"), "hung_up", at(m=1), d)
    case, _ = report(case, first, "not_found", at(m=1), d, actor="liaison-li")
    assert states(case) == ["active", "pending"]

    case, _ = report(case, second, "not_found", at(m=1, s=30), d, actor="liaison-wang")
    assert states(case) == ["failed", "awaiting_confirmation"]
    assert case.stages[1].reached_at == at(m=1, s=30)


def test_a_negative_result_on_an_ended_stage_changes_nothing():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d)
    case, _ = tick(case, at(m=10), d)
    case, effects = report(case, only(case, "callback_96110"), "no_answer", at(m=11), d)

    assert states(case) == ["passed", "active", "pending"]
    assert sends(effects) == []


# --- school_group and skipped stages ----------------------------------------------------------


@pytest.mark.parametrize("school", [None, SCHOOL_WITHOUT_LIAISON, "unregistered-school"])
def test_school_group_stage_is_skipped_and_passes_at_once(school: str | None):
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND, school=school), at(), d)
    case, effects = tick(case, at(m=10), d)

    assert states(case) == ["passed", "skipped", "awaiting_confirmation"]
    assert case.stages[2].reached_at == at(m=10)  # at once, not after the 30m wait
    assert not [s for s in sends(effects) if s.channel == "school_group"]
    assert notes(effects, "channel_skipped")


def test_school_group_goes_to_every_liaison_of_the_school():
    d = FakeDirectory()
    _, effects = arrive(None, make_signal("s1", HIGH_KIND), at(), d)
    assert [s.recipient for s in sends(effects, "school_group")] == LIAISONS


@pytest.mark.parametrize("school", [None, SCHOOL_WITHOUT_LIAISON])
def test_high_stage_0_without_a_school_still_dispatches_its_other_channels(school):
    d = FakeDirectory()
    case, effects = arrive(None, make_signal("s1", HIGH_KIND, school=school), at(), d)

    assert channels_sent(effects) == [("flash_sms", MSISDN), ("callback_96110", MSISDN)]
    assert states(case) == ["active", "pending"]


# --- ack ------------------------------------------------------------------------------------


def test_ack_is_met_by_acknowledged_on_school_group():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", HIGH_KIND), at(), d)
    assert next_deadline(case) == at(m=2)  # ack 2m before wait 5m

    school = deliveries(case, "school_group")[1]
    case, effects = report(case, school, "acknowledged", at(m=1), d, actor="liaison-wang")
    assert case.stages[0].ack_due is None
    assert notes(effects, "acknowledged")
    assert next_deadline(case) == at(m=5)

    case, _ = tick(case, at(m=2), d)
    assert states(case) == ["active", "pending"]
    case, effects = tick(case, at(m=5), d)
    assert states(case) == ["passed", "awaiting_confirmation"]
    assert notes(effects, "wait_expired")


TEAM_WITH_ACK = [{"send": ["mobile_team"], "wait": "20m", "ack": "5m"}]


@pytest.mark.parametrize("result", ["acknowledged", "arrived"])
def test_ack_is_met_by_acknowledged_or_arrived_on_mobile_team(result: str):
    d = FakeDirectory()
    policy = custom_ladder("high", TEAM_WITH_ACK)
    case, _ = arrive(None, make_signal("s1", HIGH_KIND), at(), d, policy=policy)
    assert next_deadline(case) == at(m=5)

    case, _ = report(case, only(case, "mobile_team"), result, at(m=4), d, actor="team-w1")
    assert next_deadline(case) == at(m=20)
    case, _ = tick(case, at(m=5), d)
    assert states(case) == ["active"]


def test_ack_running_out_without_acknowledged_moves_on():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", HIGH_KIND), at(), d)

    case, effects = tick(case, at(m=1, s=59), d)
    assert effects == []
    case, effects = tick(case, at(m=2), d)
    assert states(case) == ["passed", "awaiting_confirmation"]
    assert case.stages[1].reached_at == at(m=2)
    assert notes(effects, "ack_expired")


@pytest.mark.parametrize(("wait", "ack", "moves_at"), [
    ("5m", "2m", at(m=2)),  # ack first
    ("5m", "10m", at(m=5)),  # wait first
    ("5m", "5m", at(m=5)),
    ("90s", "2h", at(s=90)),
])
def test_stage_moves_on_at_whichever_of_wait_and_ack_comes_first(wait, ack, moves_at):
    d = FakeDirectory()
    policy = custom_ladder("high", [
        {"send": ["school_group"], "wait": wait, "ack": ack},
        {"send": ["callback_96110"], "wait": "1h"},
    ])
    case, _ = arrive(None, make_signal("s1", HIGH_KIND), at(), d, policy=policy)
    assert next_deadline(case) == moves_at

    case, _ = tick(case, moves_at - timedelta(seconds=1), d)
    assert states(case) == ["active", "pending"]
    case, _ = tick(case, moves_at, d)
    assert states(case) == ["passed", "active"]
    assert case.stages[1].started_at == moves_at


@pytest.mark.parametrize("stage", [
    {"send": ["flash_sms", "callback_96110"], "wait": "5m", "ack": "2m"},
    {"send": ["callback_96110"], "wait": "5m", "ack": "2m"},
])
def test_stage_without_school_group_or_mobile_team_delivery_has_no_ack_deadline(stage):
    d = FakeDirectory()
    policy = custom_ladder("high", [stage])
    case, _ = arrive(None, make_signal("s1", HIGH_KIND), at(), d, policy=policy)

    assert case.stages[0].ack_due is None
    assert next_deadline(case) == at(m=5)
    case, _ = tick(case, at(m=2), d)
    assert states(case) == ["active"]


def test_stage_whose_school_group_was_skipped_has_no_ack_deadline():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", HIGH_KIND, school=None), at(), d)

    assert case.stages[0].ack_due is None
    assert next_deadline(case) == at(m=5)


def test_acknowledged_after_the_ack_deadline_does_not_meet_it():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", HIGH_KIND), at(), d)  # ack due at 2m
    case, _ = report(case, deliveries(case, "school_group")[0], "acknowledged", at(m=3), d)
    case, _ = tick(case, at(m=3), d)

    assert case.stages[0].state == "passed"
    assert case.stages[1].state == "awaiting_confirmation"


# --- escalate -------------------------------------------------------------------------------


def test_escalate_ends_the_current_stage_as_passed_and_moves_on():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d)
    case, effects = step(case, Escalate("officer-zhang", "she is at the bank"), at(m=3), d)

    assert states(case) == ["passed", "active", "pending"]
    assert case.stages[1].started_at == at(m=3)
    assert next_deadline(case) == at(m=8)  # the school stage's ack, from the escalation
    assert {s.channel for s in sends(effects)} == {"school_group"}
    assert notes(effects, "escalated")[0].actor == "officer-zhang"


def test_escalate_on_the_last_stage_exhausts_the_ladder():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", HIGH_KIND, school=None), at(), d)
    case, _ = tick(case, at(m=5), d)
    case, _ = confirm(case, 1, at(m=6), d)
    case, _ = step(case, Escalate("officer-zhang"), at(m=7), d)

    assert states(case) == ["passed", "passed"]
    assert flags(case) == ["exhausted"]


def _low_ended():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", LOW_KIND), at(), d)
    return case


def _exhausted():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d)
    case, _ = tick(case, at(m=10), d)
    case, _ = tick(case, at(m=15), d)
    case, _ = decline(case, 2, at(m=16), d)
    assert flags(case) == ["exhausted"]
    return case


def _resolved():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d)
    case, _ = step(case, RecordOutcome("false_positive", "officer-zhang"), at(m=1), d)
    return case


@pytest.mark.parametrize("make_case", [_low_ended, _exhausted, _resolved],
                         ids=["low ladder ended", "exhausted", "resolved"])
def test_escalate_is_rejected_when_no_stage_is_running(make_case):
    with pytest.raises(Rejected):
        step(make_case(), Escalate("officer-zhang"), at(m=30), FakeDirectory())


# --- running out of stages ------------------------------------------------------------------


def _medium_at_last_stage(d: FakeDirectory):
    """A medium case whose last stage (mobile_team, confirm 5m) was reached at 2m."""
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d)
    case, _ = step(case, Escalate("officer-zhang"), at(m=1), d)
    case, _ = step(case, Escalate("officer-zhang"), at(m=2), d)
    assert states(case) == ["passed", "passed", "awaiting_confirmation"]
    return case


def _last_failed(d):
    case = _medium_at_last_stage(d)
    case, _ = confirm(case, 2, at(m=3), d)
    case, _ = report(case, only(case, "mobile_team"), "not_found", at(m=20), d, actor="team-w1")
    return case, "failed"


def _last_ran_out(d):
    case = _medium_at_last_stage(d)
    case, _ = confirm(case, 2, at(m=3), d)
    case, _ = tick(case, at(m=32, s=59), d)
    assert flags(case) == []
    case, _ = tick(case, at(m=33), d)  # wait 30m from the confirm
    return case, "passed"


def _last_declined(d):
    case = _medium_at_last_stage(d)
    case, _ = decline(case, 2, at(m=4), d)
    return case, "declined"


def _last_skipped(d):
    policy = custom_ladder("medium", [{"send": ["flash_sms", "callback_96110"], "wait": "10m"},
                                      {"send": ["school_group"], "wait": "30m"}])
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND, school=None), at(), d, policy=policy)
    case, _ = tick(case, at(m=10), d)
    return case, "skipped"


@pytest.mark.parametrize("run_out", [_last_failed, _last_ran_out, _last_declined, _last_skipped],
                         ids=["failed", "ran out", "declined", "skipped"])
def test_exhausted_when_the_last_stage_ends_without_dissuaded(run_out):
    d = FakeDirectory()
    case, last_state = run_out(d)

    assert case.stages[-1].state == last_state
    assert flags(case) == ["exhausted"]
    assert case.state == "open"
    assert next_deadline(case) is None

    # ... and it stays so: the clock does nothing, only an officer's outcome closes it
    case, effects = tick(case, at(h=48), d)
    assert (case.state, flags(case), effects) == ("open", ["exhausted"], [])
    case, _ = step(case, RecordOutcome("victimized", "officer-zhang"), at(h=48), d)
    assert (case.state, case.outcome) == ("resolved", "victimized")
    assert flags(case) == []

