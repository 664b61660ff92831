"""Property: a timer fires at most once, whatever the scheduler and the broker do.

Hypothesis plays the infrastructure against a real database: the clock jumps, schedulers
claim due timers, claim messages are lost, delivered twice or late, dead claims are
released and claimed again. Each call of fire_timers reports how many timers it fired;
over a whole history no timer may be counted twice, a fired timer never comes back, and a
case never has more than one live timer.
"""

from collections import Counter
from datetime import timedelta
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.integration.service_harness import Room
from warn.service.timers import CLAIM_LEASE, claim_due_timers, fire_timers, release_lost_claims
from warn.store.models import Timer

SECONDS = st.sampled_from([0, 1, 60, 299, 300, 600, 601, 1800, 3600])
STEPS = st.lists(st.one_of(
    st.tuples(st.just("wait"), SECONDS),
    st.tuples(st.just("claim"), st.booleans()),  # True: the claim's message is lost
    st.tuples(st.just("fire"), st.integers(0, 20)),  # a message in flight, maybe again
    st.tuples(st.just("release")),  # claims older than their lease go back to pending
), min_size=1, max_size=25)
numbers = count(1)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=STEPS, kind=st.sampled_from(["scam_site_visit", "flagged_call", "scam_sms"]))
def test_a_timer_fires_at_most_once(room: Room, steps: list[tuple], kind: str) -> None:
    attributes = {"scam_site_visit": {"url": "u"}, "scam_sms": {"sender": "106"},
                  "flagged_call": {"caller": "+852123", "duration_s": 3600}}[kind]
    case_id = room.signal(f"p{next(numbers)}", kind, msisdn=f"+86136{next(numbers):08d}",
                          subject={"district": "wanzhou"}, **attributes)
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
            timer_id = in_flight[step[1] % len(in_flight)]  # may be one fired already
            if fire_timers(room.ctx, [timer_id]):
                fired[timer_id] += 1
            room.dispatcher.drain(room.ctx)
        elif step[0] == "release":
            room.now += CLAIM_LEASE + timedelta(seconds=1)
            release_lost_claims(room.ctx)
        _check(room, case_id, fired)


def _check(room: Room, case_id: str | None, fired: Counter[int]) -> None:
    assert all(n == 1 for n in fired.values()), f"fired more than once: {fired}"
    with room.ctx.sessions() as session:
        # earlier examples' cases share the database, and their timers the claims
        status = dict(session.execute(select(Timer.id, Timer.status)).all())
        ours = list(session.scalars(select(Timer.status).where(Timer.case_id == case_id)))
    assert all(status[timer_id] == "fired" for timer_id in fired), status
    live = [s for s in ours if s in ("pending", "claimed")]
    assert len(live) <= 1, f"a case has one live timer at most: {ours}"
