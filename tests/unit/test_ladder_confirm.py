"""CONTRACT §4 `confirm`: a stage that waits for an officer's confirm before it dispatches.

Most tests use a high case with no school: stage 0 (flash + callback, wait 5m) passes at 5m,
then stage 1 (mobile_team, confirm 2m, wait 20m) awaits confirmation from 5m, due at 7m.
"""

from datetime import timedelta

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
    confirm,
    decline,
    make_signal,
    notes,
    policy_with,
    sends,
    states,
    step,
    tick,
)

from warn.domain.case import flags, next_deadline
from warn.domain.events import Escalate, RecordOutcome, Rejected
from warn.domain.policy import policy_to_mapping

CASE_OFFICERS = {*OFFICERS, *DUTY_OFFICERS}  # never officer-chen of yunyang


def awaiting(d: FakeDirectory, district: str | None = "wanzhou"):
    """High case, stage 1 awaiting confirmation since 5m; returns it and the effects of 5m."""
    case, _ = arrive(None, make_signal("s1", HIGH_KIND, school=None, district=district), at(), d)
    case, effects = tick(case, at(m=5), d)
    assert states(case) == ["passed", "awaiting_confirmation"]
    return case, effects


def pages(effects, reason: str) -> set[str]:
    return {s.recipient for s in sends(effects, "duty_page") if s.reason == reason}


def test_confirm_stage_waits_flags_and_pages_the_case_officers():
    d = FakeDirectory()
    case, effects = awaiting(d)

    assert flags(case) == ["awaiting_confirmation"]
    assert pages(effects, "confirm") == CASE_OFFICERS
    assert sends(effects, "mobile_team") == []  # nothing dispatched before the confirm
    assert d.taken == []
    assert case.stages[1].confirm_due == at(m=7)
    assert next_deadline(case) == at(m=7)


def test_a_case_without_a_district_pages_the_officers_without_one():
    d = FakeDirectory()
    _, effects = awaiting(d, district=None)
    assert pages(effects, "confirm") == set(DUTY_OFFICERS)


def test_no_answer_within_confirm_flags_overdue_and_pages_once_more():
    d = FakeDirectory()
    case, _ = awaiting(d)

    case, effects = tick(case, at(m=6, s=59), d)
    assert effects == [] and flags(case) == ["awaiting_confirmation"]

    case, effects = tick(case, at(m=7), d)
    assert flags(case) == ["awaiting_confirmation", "overdue"]
    assert pages(effects, "overdue") == CASE_OFFICERS
    assert notes(effects, "overdue")


def test_overdue_pages_exactly_once_and_the_stage_keeps_waiting():
    d = FakeDirectory()
    case, _ = awaiting(d)
    case, _ = tick(case, at(m=7), d)

    assert next_deadline(case) is None  # no further timer: it waits for a person
    for later in (at(m=8), at(m=30), at(h=6)):
        case, effects = tick(case, later, d)
        assert effects == []
    assert states(case) == ["passed", "awaiting_confirmation"]
    assert flags(case) == ["awaiting_confirmation", "overdue"]


@pytest.mark.parametrize("confirmed_at", [at(m=6), at(m=7), at(m=45)],
                         ids=["before overdue", "at the confirm deadline", "long overdue"])
def test_confirm_dispatches_and_wait_runs_from_the_confirm(confirmed_at):
    d = FakeDirectory()
    case, _ = awaiting(d)
    if confirmed_at > at(m=7):
        case, _ = tick(case, at(m=7), d)
    case, effects = confirm(case, 1, confirmed_at, d)

    assert [(s.channel, s.recipient) for s in sends(effects)] == [("mobile_team", TEAM)]
    stage = case.stages[1]
    assert stage.state == "active"
    assert stage.started_at == confirmed_at
    assert stage.wait_due == confirmed_at + timedelta(minutes=20)
    assert flags(case) == []  # both flags cleared
    assert notes(effects, "confirmed")[0].actor == "officer-zhang"


def test_confirm_before_the_deadline_means_no_overdue_page():
    d = FakeDirectory()
    case, _ = awaiting(d)
    case, _ = confirm(case, 1, at(m=6), d)
    case, effects = tick(case, at(m=7), d)
    assert effects == []
    assert next_deadline(case) == at(m=26)


def test_medium_confirm_stage_uses_its_own_durations():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND, school=None), at(), d)
    case, _ = tick(case, at(m=10), d)  # stage 1 skipped: no school; stage 2 awaits
    assert case.stages[2].confirm_due == at(m=15)
    case, _ = confirm(case, 2, at(m=12), d)
    assert case.stages[2].wait_due == at(m=42)


DECLINE_THEN_CALLBACK = [
    {"send": ["mobile_team"], "confirm": "2m", "wait": "20m"},
    {"send": ["callback_96110"], "wait": "5m"},
]


def test_decline_marks_the_stage_declined_and_moves_on():
    d = FakeDirectory()
    policy = policy_with(ladders={**policy_to_mapping(POLICY)["ladders"],
                                  "high": DECLINE_THEN_CALLBACK})
    case, _ = arrive(None, make_signal("s1", HIGH_KIND), at(), d, policy=policy)
    assert states(case) == ["awaiting_confirmation", "pending"]

    case, effects = decline(case, 0, at(m=1), d)
    assert states(case) == ["declined", "active"]
    assert case.stages[1].started_at == at(m=1)
    assert {s.channel for s in sends(effects)} == {"callback_96110"}
    assert d.taken == []  # the declined team stage never took a team
    assert flags(case) == []


@pytest.mark.parametrize("overdue", [False, True])
def test_decline_of_the_last_stage_clears_both_flags_and_exhausts(overdue: bool):
    d = FakeDirectory()
    case, _ = awaiting(d)
    if overdue:
        case, _ = tick(case, at(m=7), d)
    case, effects = decline(case, 1, at(m=8), d)

    assert states(case) == ["passed", "declined"]
    assert flags(case) == ["exhausted"]
    assert notes(effects, "declined")


@pytest.mark.parametrize("overdue", [False, True])
def test_confirm_clears_both_flags(overdue: bool):
    d = FakeDirectory()
    case, _ = awaiting(d)
    if overdue:
        case, _ = tick(case, at(m=7), d)
    case, _ = confirm(case, 1, at(m=8), d)
    assert flags(case) == []


@pytest.mark.parametrize(("answer", "stage"), [
    (confirm, 0),  # the stage that already passed
    (confirm, 2),  # no such stage
    (confirm, -1),
    (decline, 0),
    (decline, 5),
])
def test_confirm_or_decline_of_a_wrong_stage_is_rejected(answer, stage: int):
    d = FakeDirectory()
    case, _ = awaiting(d)
    with pytest.raises(Rejected):
        answer(case, stage, at(m=6), d)


@pytest.mark.parametrize("answer", [confirm, decline])
def test_confirm_or_decline_when_no_stage_awaits_is_rejected(answer):
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", HIGH_KIND), at(), d)  # stage 0 active
    with pytest.raises(Rejected):
        answer(case, 0, at(m=1), d)


@pytest.mark.parametrize(("first", "repeat"), [
    (confirm, confirm), (confirm, decline), (decline, decline), (decline, confirm),
])
def test_a_repeated_answer_no_longer_applies(first, repeat):
    d = FakeDirectory()
    case, _ = awaiting(d)
    case, _ = first(case, 1, at(m=6), d)
    with pytest.raises(Rejected):
        repeat(case, 1, at(m=6, s=10), d)


def test_escalate_while_awaiting_confirmation_passes_the_stage_and_clears_the_flags():
    d = FakeDirectory()
    case, _ = awaiting(d)
    case, _ = tick(case, at(m=7), d)
    case, effects = step(case, Escalate("officer-zhang"), at(m=8), d)

    assert states(case) == ["passed", "passed"]
    assert sends(effects, "mobile_team") == []
    assert flags(case) == ["exhausted"]


def test_outcome_while_awaiting_confirmation_cancels_the_stage():
    d = FakeDirectory()
    case, _ = awaiting(d)
    case, _ = tick(case, at(m=7), d)
    case, effects = step(case, RecordOutcome("duplicate", "officer-zhang"), at(m=8), d)

    assert states(case) == ["passed", "cancelled"]
    assert flags(case) == []
    assert sends(effects) == []
