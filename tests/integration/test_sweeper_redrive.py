"""The scheduler's re-drive of deliveries whose lease lapsed: at once, but once per lapse.

While every worker is busy (a long batch, a slow gateway) a lapsed lease stays lapsed; the
sweeper used to hand the same deliveries out again every second, piling up messages that
all arrive once the workers are free (seen in tests/faults/test_slow_gateway_burst.py:
fourteen messages of the same 200 deliveries).
"""

from datetime import timedelta

from sqlalchemy import update

from tests.integration.service_harness import Room
from warn.service.sweeper import REDRIVE_BACKOFF_S, Sweeper
from warn.store.models import Delivery


def _lapse(room: Room, delivery_id: str, seconds_ago: float) -> None:
    with room.ctx.sessions.begin() as session:
        session.execute(update(Delivery).where(Delivery.id == delivery_id).values(
            state="queued", lease_until=room.now - timedelta(seconds=seconds_ago)))


def test_a_lapsed_lease_is_handed_out_once_per_lapse(room: Room) -> None:
    case_id = room.signal("s1", "scam_sms", sender="106")
    delivery = room.deliveries(case_id)[0].id
    clock = [1000.0]
    sweeper = Sweeper(room.ctx, monotonic=lambda: clock[0])
    handed_out: list[str] = []
    _lapse(room, delivery, 1)
    for _ in range(5):  # a busy worker never claims it: five sweeps, one hand-out
        handed_out += sweeper.redrive().deliveries
        clock[0] += 1
    assert handed_out == [delivery]
    _lapse(room, delivery, 0.5)  # claimed again and paused again: a new lapse, at once
    handed_out += sweeper.redrive().deliveries
    assert handed_out == [delivery, delivery]
    clock[0] += REDRIVE_BACKOFF_S  # still lapsed long after: its message may be lost
    handed_out += sweeper.redrive().deliveries
    assert handed_out == [delivery] * 3
