"""CONTRACT §4 (and §3's results and outcomes): resolving a case, results per channel, what a
resolved case still accepts, and the policy snapshot a case carries."""

import json

import pytest
from domain_fakes import (
    HIGH_KIND,
    LOW_KIND,
    MEDIUM_KIND,
    POLICY,
    FakeDirectory,
    arrive,
    at,
    confirm,
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

from warn.domain.case import (
    CHANNEL_RESULTS,
    case_from_dict,
    case_to_dict,
    flags,
    next_deadline,
)
from warn.domain.events import (
    CancelQueued,
    Confirm,
    Decline,
    Escalate,
    InvalidResult,
    Note,
    RecordOutcome,
    Rejected,
    ResultReported,
    SendFailed,
    TeamFreed,
    Tick,
)

OUTCOME = RecordOutcome("false_positive", "officer-zhang", "a test call from her bank")


def medium_case(d: FakeDirectory):
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d)
    return case


# --- an officer's outcome ---------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["dissuaded", "false_positive", "victimized", "duplicate"])
def test_outcome_resolves_and_cancels_every_pending_stage(outcome: str):
    d = FakeDirectory()
    case = medium_case(d)
    case, effects = step(case, RecordOutcome(outcome, "officer-zhang"), at(m=3), d)

    assert (case.state, case.outcome, case.resolved_at) == ("resolved", outcome, at(m=3))
    assert states(case) == ["cancelled", "cancelled", "cancelled"]
    assert any(isinstance(e, CancelQueued) for e in effects)
    assert sends(effects) == []
    assert next_deadline(case) is None
    assert flags(case) == []
    assert notes(effects, "resolved")[0].actor == "officer-zhang"


def test_outcome_keeps_the_states_of_stages_that_already_ended():
    d = FakeDirectory()
    case = medium_case(d)
    case, _ = tick(case, at(m=10), d)
    case, _ = step(case, OUTCOME, at(m=11), d)
    assert states(case) == ["passed", "cancelled", "cancelled"]


def test_outcome_on_a_low_case_whose_ladder_ended():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", LOW_KIND), at(), d)
    case, _ = step(case, OUTCOME, at(m=30), d)
    assert (case.state, case.outcome) == ("resolved", "false_positive")
    assert states(case) == ["passed"]
    assert next_deadline(case) is None  # the case window no longer runs


@pytest.mark.parametrize("outcome", ["warned", "bogus", "", "DISSUADED"])
def test_invalid_outcome_is_refused(outcome: str):
    d = FakeDirectory()
    with pytest.raises(InvalidResult):
        step(medium_case(d), RecordOutcome(outcome, "officer-zhang"), at(m=1), d)


# --- dissuaded ------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "channel", "stage", "actor"), [
    (MEDIUM_KIND, "callback_96110", 0, "officer-96110"),
    (HIGH_KIND, "school_group", 0, "liaison-li"),
])
def test_dissuaded_resolves_the_case_and_the_stage_succeeds(kind, channel, stage, actor):
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", kind), at(), d)
    case, effects = report(case, deliveries(case, channel)[0], "dissuaded", at(m=1), d,
                           actor=actor)

    assert (case.state, case.outcome, case.resolved_at) == ("resolved", "dissuaded", at(m=1))
    assert case.stages[stage].state == "succeeded"
    assert all(s.state == "cancelled" for s in case.stages[stage + 1:])
    assert any(isinstance(e, CancelQueued) for e in effects)
    assert next_deadline(case) is None
    assert notes(effects, "resolved")[0].actor == actor


def test_dissuaded_from_an_earlier_stage_still_resolves():
    d = FakeDirectory()
    case = medium_case(d)
    case, _ = tick(case, at(m=10), d)  # stage 1 (school) is running
    case, _ = report(case, only(case, "callback_96110"), "dissuaded", at(m=12), d)

    assert (case.state, case.outcome) == ("resolved", "dissuaded")
    assert states(case) == ["succeeded", "cancelled", "cancelled"]


# --- results per channel --------------------------------------------------------------------


def high_case_with_every_channel(d: FakeDirectory):
    """flash, callback, school_group (stage 0) and duty pages + mobile_team (stage 1)."""
    case, _ = arrive(None, make_signal("s1", HIGH_KIND), at(), d)
    case, _ = report(case, deliveries(case, "school_group")[1], "acknowledged", at(m=1), d)
    case, _ = tick(case, at(m=5), d)
    case, _ = confirm(case, 1, at(m=6), d)
    return case


VALID = [(channel, result) for channel, results in CHANNEL_RESULTS.items() for result in results]
INVALID = [
    ("flash_sms", "dissuaded"), ("flash_sms", "acknowledged"), ("flash_sms", "sent"),
    ("callback_96110", "acknowledged"), ("callback_96110", "failed"),
    ("callback_96110", "delivered"),
    ("school_group", "arrived"), ("school_group", "failed"), ("school_group", "no_answer"),
    ("mobile_team", "failed"), ("mobile_team", "hung_up"), ("mobile_team", "read"),
    ("duty_page", "dissuaded"),
    ("flash_sms", ""), ("callback_96110", "DISSUADED"),
]


def test_the_result_table_is_the_contracts():
    assert CHANNEL_RESULTS["flash_sms"] == ("delivered", "read", "failed")
    assert CHANNEL_RESULTS["callback_96110"] == ("dissuaded", "not_believed", "hung_up",
                                                 "no_answer")
    assert CHANNEL_RESULTS["school_group"] == ("acknowledged", "dissuaded", "not_found")
    assert CHANNEL_RESULTS["mobile_team"] == ("acknowledged", "arrived", "dissuaded",
                                              "not_found")


@pytest.mark.parametrize(("channel", "result"), VALID)
def test_every_result_valid_for_its_channel_is_recorded(channel: str, result: str):
    d = FakeDirectory()
    case = high_case_with_every_channel(d)
    delivery = deliveries(case, channel)[0]
    case, effects = report(case, delivery, result, at(m=7), d)
    assert case.delivery(delivery.id).results == [result]
    assert notes(effects, "result")


@pytest.mark.parametrize(("channel", "result"), INVALID)
def test_result_invalid_for_the_channel_is_refused(channel: str, result: str):
    d = FakeDirectory()
    case = high_case_with_every_channel(d)
    with pytest.raises(InvalidResult):
        report(case, deliveries(case, channel)[0], result, at(m=7), d)


def test_result_on_a_delivery_of_another_case_is_rejected():
    d = FakeDirectory()
    with pytest.raises(Rejected):
        report(medium_case(d), "other-case-1", "no_answer", at(m=1), d)


# --- a resolved case ------------------------------------------------------------------------


def resolved_medium_case(d: FakeDirectory):
    case = medium_case(d)
    case, _ = step(case, OUTCOME, at(m=1), d)
    return case


@pytest.mark.parametrize("result", ["dissuaded", "no_answer", "hung_up"])
def test_result_on_a_resolved_case_is_recorded_and_changes_nothing_else(result: str):
    d = FakeDirectory()
    before = resolved_medium_case(d)
    callback = only(before, "callback_96110")
    after, effects = report(before, callback, result, at(m=2), d, actor="officer-96110")

    assert after.delivery(callback.id).results == [result]
    assert notes(effects, "result")
    assert all(isinstance(e, Note) for e in effects)  # only the timeline moves
    after.delivery(callback.id).results.clear()
    assert after == before


def test_invalid_result_on_a_resolved_case_is_still_refused():
    d = FakeDirectory()
    case = resolved_medium_case(d)
    with pytest.raises(InvalidResult):
        report(case, only(case, "callback_96110"), "acknowledged", at(m=2), d)


@pytest.mark.parametrize("event", [
    ResultReported("case-1-1", "failed", "sms-gateway"),  # flash failed after the outcome
    SendFailed("case-1-2", "line busy"),
])
def test_a_failure_on_a_resolved_case_does_not_move_it(event):
    d = FakeDirectory()
    before = resolved_medium_case(d)
    after, effects = step(before, event, at(m=2), d)
    assert (after.state, after.outcome, states(after)) == (
        "resolved", "false_positive", states(before))
    assert sends(effects) == []
    assert flags(after) == []


@pytest.mark.parametrize("event", [
    Confirm(2, "officer-zhang"),
    Decline(2, "officer-zhang"),
    Escalate("officer-zhang"),
    RecordOutcome("victimized", "officer-zhang"),
    RecordOutcome("false_positive", "officer-zhang"),  # a repeat no longer applies either
], ids=["confirm", "decline", "escalate", "another outcome", "repeat outcome"])
def test_a_resolved_case_rejects_every_action(event):
    d = FakeDirectory()
    with pytest.raises(Rejected):
        step(resolved_medium_case(d), event, at(m=2), d)


def test_a_resolved_case_is_never_reopened_by_a_signal():
    d = FakeDirectory()
    with pytest.raises(Rejected):
        arrive(resolved_medium_case(d), make_signal("s2", HIGH_KIND), at(m=2), d)


@pytest.mark.parametrize("event", [Tick(), TeamFreed()], ids=["tick", "team freed"])
def test_the_clock_does_nothing_to_a_resolved_case(event):
    d = FakeDirectory()
    before = resolved_medium_case(d)
    after, effects = step(before, event, at(h=5), d)
    assert effects == []
    assert after == before


# --- the policy snapshot ----------------------------------------------------------------------


def busy_case(d: FakeDirectory):
    """A case with a bit of everything: upgrades, results, suppressed and skipped channels,
    a failed, a skipped and an overdue stage, duty pages, a confirm and a team dispatch."""
    case, _ = arrive(None, make_signal("s1", LOW_KIND), at(), d)
    case, _ = arrive(case, make_signal("s2", MEDIUM_KIND), at(m=3), d)
    case, _ = report(case, only(case, "callback_96110"), "no_answer", at(m=4), d)
    case, _ = arrive(case, make_signal("s3", HIGH_KIND), at(m=5), d)
    case, _ = tick(case, at(m=7), d)
    case, _ = tick(case, at(m=9), d)
    case, _ = confirm(case, 5, at(m=12), d)
    return case


def test_case_round_trips_through_its_dict_form():
    d = FakeDirectory()
    case = busy_case(d)
    assert states(case) == ["passed", "failed", "cancelled", "cancelled", "skipped", "active"]
    assert case_from_dict(case_to_dict(case)) == case
    # ... also as JSON text, the way it is stored
    assert case_from_dict(json.loads(json.dumps(case_to_dict(case)))) == case


def test_a_resolved_case_round_trips_too():
    d = FakeDirectory()
    case, _ = step(busy_case(d), OUTCOME, at(m=13), d)
    assert case_from_dict(json.loads(json.dumps(case_to_dict(case)))) == case


def test_a_case_keeps_the_policy_it_was_opened_with():
    d = FakeDirectory()
    short = policy_with(case_window="30m", flash_cooldown="1h")
    case, _ = arrive(None, make_signal("s1", LOW_KIND), at(), d, policy=short)
    stored = json.loads(json.dumps(case_to_dict(case)))
    # the built-in policy is what the service would load now; the case does not care
    case = case_from_dict(stored)
    assert case.policy == short and case.policy != POLICY
    assert next_deadline(case) == at(m=30)

    # a medium signal after 20m: the 1h flash cooldown of its own policy still holds
    case, effects = arrive(case, make_signal("s2", MEDIUM_KIND), at(m=20), d)
    assert sends(effects, "flash_sms") == []
    assert notes(effects, "flash_suppressed")
