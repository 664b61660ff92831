"""Property tests of the case state machine: random sequences of events at increasing times.

`play` drives one msisdn the way the service does (a signal joins the open case, or opens a
new one once the case is resolved) and records every step; each test checks one property
over the whole history. Rejected and InvalidResult are legitimate refusals.
"""

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain_fakes import (
    MSISDN,
    POLICY,
    SCHOOL,
    SCHOOL_WITHOUT_LIAISON,
    FakeDirectory,
    at,
    make_signal,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from warn.domain.case import (
    CHANNEL_RESULTS,
    OFFICER_OUTCOMES,
    Case,
    case_from_dict,
    case_to_dict,
    flags,
    next_deadline,
)
from warn.domain.decide import decide, open_case
from warn.domain.events import (
    CloseDispatch,
    Confirm,
    Decline,
    Effect,
    Escalate,
    Event,
    InvalidResult,
    RecordOutcome,
    Rejected,
    ResultReported,
    Send,
    SendFailed,
    SignalArrived,
    TeamFreed,
    Tick,
)
from warn.domain.policy import TIERS
from warn.domain.risk import signal_score
from warn.domain.signals import SIGNAL_KINDS

ALL_RESULTS = sorted({r for results in CHANNEL_RESULTS.values() for r in results})

# One step: (seconds to wait first, what happens). Picks are resolved against the case.
signals = st.tuples(st.just("signal"), st.sampled_from(SIGNAL_KINDS),
                    st.sampled_from([0, 300, 600, 1800]), st.booleans())
teams = st.tuples(st.just("teams"), st.booleans())  # refill (True) or empty the free teams
actions = st.one_of(
    signals, signals, signals,  # weighted: upgrades need several signals
    teams,
    st.tuples(st.just("result"), st.integers(0, 60), st.integers(0, 40)),
    st.tuples(st.just("send_failed"), st.integers(0, 60)),
    st.tuples(st.just("confirm"), st.integers(0, 9)),
    st.tuples(st.just("decline"), st.integers(0, 9)),
    st.tuples(st.just("escalate")),
    st.tuples(st.just("outcome"), st.sampled_from([*OFFICER_OUTCOMES, "warned"])),
    st.tuples(st.just("tick")),
    st.tuples(st.just("tick_when_due")),
    st.tuples(st.just("team_freed")),
)
waits = st.sampled_from([0, 1, 30, 60, 119, 120, 300, 600, 3600])
# Every history starts with a signal, which opens the first case.
histories = st.builds(lambda first, rest: [(0, first), *rest],
                      signals, st.lists(st.tuples(waits, actions), min_size=4, max_size=40))


@dataclass
class Scenario:
    school: str | None  # the subject's school, for every signal
    teams_free: bool  # whether the district has a free team at the start
    history: list


scenarios = st.builds(Scenario, school=st.sampled_from([SCHOOL, None, SCHOOL_WITHOUT_LIAISON]),
                      teams_free=st.booleans(), history=histories)

PROPERTY = settings(max_examples=200, deadline=None)


@dataclass
class Step:
    now: datetime
    event: Event
    before: Case | None  # None: the signal opened this case
    after: Case
    effects: list[Effect]
    refused: bool


def play(scenario: Scenario) -> list[Step]:
    d = FakeDirectory()
    if not scenario.teams_free:
        d.no_free_team()
    school = scenario.school
    now = at()
    case: Case | None = None
    cases = 0
    steps: list[Step] = []
    for number, (wait, action) in enumerate(scenario.history):
        now += timedelta(seconds=wait)
        kind = action[0]
        if kind == "teams":
            if action[1]:
                d.free(f"team-{number}")
            else:
                d.no_free_team()
            continue
        if kind == "tick_when_due":
            due = next_deadline(case) if case is not None else None
            now = max(now, due) if due is not None else now
        before = case
        if kind == "signal" and (case is None or case.state == "resolved"):
            # as the service does: no open case for the msisdn, so the signal opens one
            cases += 1
            before = None
            case = open_case(f"case-{cases}", _signal(number, action, school), POLICY, now)
        assert case is not None  # every history starts with a signal
        event = _event(case, number, action, school)
        if event is None:
            continue
        snapshot = copy.deepcopy(case)
        try:
            after, effects = decide(case, event, now, d.facts())
        except (Rejected, InvalidResult):
            assert case == snapshot, "a refused event must leave the case as it was"
            steps.append(Step(now, event, before, case, [], refused=True))
            continue
        assert case == snapshot, "decide must not change the case it is given"
        d.record(effects, now)
        steps.append(Step(now, event, before, after, effects, refused=False))
        case = after
    return steps


def _signal(number: int, action, school: str | None):
    _, kind, duration_s, ongoing = action
    attributes = {"duration_s": duration_s, "ongoing": ongoing} if kind == "flagged_call" else {}
    return make_signal(f"s{number}", kind, school=school, **attributes)


def _event(case: Case, number: int, action, school: str | None) -> Event | None:
    kind = action[0]
    if kind == "signal":
        signal = _signal(number, action, school)
        return SignalArrived(signal, signal_score(signal, case.policy))
    if kind in ("result", "send_failed"):
        if not case.deliveries:
            return None
        delivery = case.deliveries[action[1] % len(case.deliveries)]
        if kind == "send_failed":
            return SendFailed(delivery.id, "gateway down")
        pick = action[2]
        valid = CHANNEL_RESULTS[delivery.channel]
        result = valid[pick % len(valid)] if pick < 30 else ALL_RESULTS[pick % len(ALL_RESULTS)]
        return ResultReported(delivery.id, result, "someone")
    if kind in ("confirm", "decline"):
        index = _stage_pick(case, action[1])
        return Confirm(index, "officer") if kind == "confirm" else Decline(index, "officer")
    if kind == "escalate":
        return Escalate("officer")
    if kind == "outcome":
        return RecordOutcome(action[1], "officer")
    if kind in ("tick", "tick_when_due"):
        return Tick()
    return TeamFreed()


def _stage_pick(case: Case, pick: int) -> int:
    """Mostly the current stage (so that confirms often apply), sometimes any index."""
    if pick < 7 and case.current is not None:
        return case.current
    return pick % (len(case.stages) + 1)


def _sends(step: Step) -> list[Send]:
    return [e for e in step.effects if isinstance(e, Send)]


# --- the properties ---------------------------------------------------------------------------


@PROPERTY
@given(scenarios)
def test_a_resolved_case_never_changes_state_or_outcome_and_never_sends(scenario):
    for step in play(scenario):
        if step.before is None or step.before.state != "resolved":
            continue
        assert step.after.state == "resolved"
        assert step.after.outcome == step.before.outcome
        assert step.after.resolved_at == step.before.resolved_at
        assert [s.state for s in step.after.stages] == [s.state for s in step.before.stages]
        assert _sends(step) == []
        assert flags(step.after) == []
        assert next_deadline(step.after) is None


@PROPERTY
@given(scenarios)
def test_the_tier_and_score_never_go_down(scenario):
    for step in play(scenario):
        if step.before is not None:
            assert TIERS.index(step.after.tier) >= TIERS.index(step.before.tier)
            assert step.after.score >= step.before.score


@PROPERTY
@given(scenarios)
def test_no_two_flash_sms_to_one_number_closer_than_the_cooldown(scenario):
    last: dict[str, datetime] = {}
    for step in play(scenario):
        for send in _sends(step):
            if send.channel != "flash_sms":
                continue
            assert send.recipient == MSISDN
            if send.recipient in last:
                assert step.now - last[send.recipient] >= POLICY.flash_cooldown
            last[send.recipient] = step.now


CATCH_UP = (Tick, SignalArrived, ResultReported, SendFailed)


def _something_pending(case: Case) -> bool:
    """A timer the clock must act on: a running stage's wait or ack, an unanswered confirm
    that is not yet overdue, or the case window of a ladder that ended."""
    if case.state == "resolved":
        return False
    if case.ladder == "ended":
        return True
    stage = case.current_stage()
    if stage is None:
        return False
    if stage.state == "awaiting_confirmation":
        return not stage.overdue
    return stage.state == "active" and (stage.wait_due or stage.ack_due) is not None


@PROPERTY
@given(scenarios)
def test_next_deadline_is_none_iff_resolved_or_nothing_pending(scenario):
    for step in play(scenario):
        case = step.after
        assert (next_deadline(case) is None) == (not _something_pending(case))
        if case.state == "open" and next_deadline(case) is None:
            # no timer left: a person must act, and the case says so — by a flag, or by a
            # stage held for 96110's first try (the callback desk's worklist shows it)
            stage = case.current_stage()
            held = stage is not None and stage.waiting_tried
            assert held or {"overdue", "no_team", "exhausted"} & set(flags(case)), flags(case)
        if isinstance(step.event, CATCH_UP) and not step.refused and next_deadline(case):
            # a tick, and an event from the world, first handle everything due by then
            assert next_deadline(case) > step.now


@PROPERTY
@given(scenarios)
def test_stages_are_append_only_and_deliveries_unique(scenario):
    closed: set[str] = set()
    for step in play(scenario):
        after = step.after
        assert [s.index for s in after.stages] == list(range(len(after.stages)))
        if step.before is not None:
            kept = [(s.index, s.tier, s.position) for s in step.before.stages]
            assert [(s.index, s.tier, s.position) for s in after.stages[:len(kept)]] == kept
        ids = [d.id for d in after.deliveries]
        assert len(ids) == len(set(ids))
        assert {s.delivery_id for s in _sends(step)} <= set(ids)
        for effect in step.effects:
            if isinstance(effect, CloseDispatch):
                assert effect.delivery_id not in closed, "a dispatch closes only once"
                closed.add(effect.delivery_id)
        if after.state == "resolved":
            assert not any(d.dispatch_open for d in after.deliveries)


@PROPERTY
@given(scenarios)
def test_every_case_round_trips_through_its_stored_form(scenario):
    for step in play(scenario):
        assert case_from_dict(case_to_dict(step.after)) == step.after
