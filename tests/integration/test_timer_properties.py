"""Property: a timer fires exactly once, whatever the scheduler and the broker do.

Hypothesis plays the infrastructure against a real database: the clock jumps, schedulers
claim due timers, claim messages are lost, delivered twice or late, dead claims are
released and claimed again. Each call of fire_timers reports how many timers it fired:
a claimed timer fires (and moves its case), any other fires nothing. Over a whole history
no timer is counted twice, a fired timer never comes back, a case never has more than one
live timer, and once the clock has run on and the claims are redone, every timer that came
due has fired.
"""

from collections import Counter
from datetime import timedelta
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.integration.service_harness import Room
from warn.domain.case import next_deadline
from warn.service.timers import CLAIM_LEASE, claim_due_timers, fire_timers, release_lost_claims
from warn.store.models import Timer

SECONDS = st.sampled_from([0, 1, 60, 299, 300, 600, 601, 1800, 3600])
STEPS = st.lists(st.one_of(
    st.tuples(st.just("wait"), SECONDS),
    st.tuples(st.just("claim"), st.booleans()),  # True: the claim's message is lost
    st.tuples(st.just("fire"), st.integers(0, 20)),  # a message in flight, maybe again
    st.tuples(st.just("release")),  # claims older than their lease go back to pending
), min_size=1, max_size=25)
ATTRIBUTES = {"scam_site_visit": {"url": "u"}, "scam_sms": {"sender": "106"},
              "flagged_call": {"caller": "+852123", "duration_s": 3600}}
# Longer than any first deadline of these cases (the low case's window is 2h).
RUN_ON = timedelta(hours=3)
numbers = count(1)


def test_a_due_timer_fires_once_and_moves_its_case(room: Room) -> None:
    case_id = room.signal("t1", "scam_site_visit", subject={"district": "wanzhou"}, url="u")
    assert case_id is not None
    (first,) = room.pending_timers(case_id)
    room.now += timedelta(minutes=9, seconds=59)
    assert claim_due_timers(room.ctx) == []  # the 10 minute wait has not run out

    room.now += timedelta(seconds=1)
    claimed = claim_due_timers(room.ctx)
    assert claimed == [first.id]
    fired, work = fire_timers(room.ctx, claimed)
    assert fired == 1
    room.runtime.run_now(work)
    assert fire_timers(room.ctx, claimed)[0] == 0  # the same message again: nothing

    case = room.case(case_id)
    # No school: its stage passes at once, and the team stage waits for an officer.
    assert [s.state for s in case.stages] == ["passed", "skipped", "awaiting_confirmation"]
    assert "wait_expired" in room.timeline(case_id)
    (second,) = room.pending_timers(case_id)
    assert second.id != first.id  # the confirmation's deadline, a timer of its own


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=STEPS, kind=st.sampled_from(sorted(ATTRIBUTES)))
def test_a_timer_fires_exactly_once(room: Room, steps: list[tuple], kind: str) -> None:
    case_id = room.signal(f"p{next(numbers)}", kind, msisdn=f"+86136{next(numbers):08d}",
                          subject={"district": "wanzhou"}, **ATTRIBUTES[kind])
    assert case_id is not None
    fired: Counter[int] = Counter()
    in_flight: list[int] = []
    for step in steps:
        if step[0] == "wait":
            room.now += timedelta(seconds=step[1])
        elif step[0] == "claim":
            claimed = claim_due_timers(room.ctx)
            if not step[1]:
                in_flight.extend(claimed)
        elif step[0] == "fire" and in_flight:
            _fire(room, in_flight[step[1] % len(in_flight)], fired)  # may be fired already
        elif step[0] == "release":
            room.now += CLAIM_LEASE + timedelta(seconds=1)
            release_lost_claims(room.ctx)
        _check(room, case_id, fired)

    # The clock runs on and lost claims are redone: whatever the history did, what is due
    # now fires, each timer once.
    room.now += RUN_ON
    release_lost_claims(room.ctx)
    for timer_id in claim_due_timers(room.ctx):
        _fire(room, timer_id, fired)
    _check(room, case_id, fired)
    mine = _timers(room, case_id)
    assert any(timer_id in fired for timer_id in mine), f"no timer of the case fired: {mine}"
    assert claim_due_timers(room.ctx) == [], "a timer that came due was left behind"


def _fire(room: Room, timer_id: int, fired: Counter[int]) -> None:
    """Fire one timer as a worker given its message would; check what that did."""
    with room.ctx.sessions() as session:
        case_id, status = session.execute(
            select(Timer.case_id, Timer.status).where(Timer.id == timer_id)).one()
    before = room.case(case_id)
    done, work = fire_timers(room.ctx, [timer_id])
    room.runtime.run_now(work)
    # Only a claim still held fires; a fired timer, or one released back to pending, not.
    assert done == (1 if status == "claimed" else 0), (timer_id, status, done)
    if done:
        fired[timer_id] += 1
        after = room.case(case_id)
        assert after != before, f"timer {timer_id} fired and its case did not move"
        due = next_deadline(after)
        assert due is None or due > room.now, "a deadline that had passed was left"


def _timers(room: Room, case_id: str) -> list[int]:
    with room.ctx.sessions() as session:
        return list(session.scalars(select(Timer.id).where(Timer.case_id == case_id)))


def _check(room: Room, case_id: str, fired: Counter[int]) -> None:
    assert all(n == 1 for n in fired.values()), f"fired more than once: {fired}"
    with room.ctx.sessions() as session:
        # earlier examples' cases share the database, and their timers the claims
        status = dict(session.execute(select(Timer.id, Timer.status)).all())
        ours = list(session.scalars(select(Timer.status).where(Timer.case_id == case_id)))
    assert all(status[timer_id] == "fired" for timer_id in fired), status
    live = [s for s in ours if s in ("pending", "claimed")]
    assert len(live) <= 1, f"a case has one live timer at most: {ours}"
