"""Where work goes: a use case returns it, the runtime puts each part on its lane, and a
task sends the deliveries it made itself. The inline runtime takes the path a worker
takes: the same `Runtime`, the same task bodies."""

from tests.integration.service_harness import Room
from warn.service import actions
from warn.service.ingest import ingest
from warn.work import Work
from workers.inline import InlineQueue
from workers.lanes import (
    ASSIGN_TEAMS,
    BULK,
    DELIVER,
    DELIVERIES,
    FIRE_TIMERS,
    PROCESS_SIGNALS,
    TIMERS,
    URGENT,
    messages,
)


def _signal(room: Room, signal_id: str, kind: str, msisdn: str, **attributes: object
            ) -> Work:
    (accepted, refused), work = ingest(room.ctx, [{
        "id": signal_id, "kind": kind, "observed_at": room.now.isoformat(),
        "subject": {"msisdn": msisdn, "district": "wanzhou"}, "attributes": attributes}])
    assert accepted and not refused
    return work


def test_ingest_tells_the_lane_from_the_signal_alone(room: Room) -> None:
    call = _signal(room, "c1", "flagged_call", "+8613800000001", caller="+85212345678",
                   duration_s=30, ongoing=True)
    sms = _signal(room, "m1", "scam_sms", "+8613800000002", sender="10690000")
    assert (call.urgent_signals, call.bulk_signals) == ([room.signal_key("c1")], [])
    assert (sms.urgent_signals, sms.bulk_signals) == ([], [room.signal_key("m1")])


def test_a_task_sends_the_deliveries_it_made_itself(room: Room) -> None:
    room.runtime.hand_off(_signal(room, "m1", "scam_sms", "+8613800000002", sender="106"))
    room.runtime.drain()
    assert [(task, lane) for task, lane, _ in room.runtime.queue.sent] == [
        (PROCESS_SIGNALS, BULK)]  # no message for the flash SMS: sent by the same task
    assert [line["channel"] for line in room.gateway_log()] == ["flash_sms"]


def test_an_officers_action_hands_its_deliveries_to_the_deliveries_lane(room: Room) -> None:
    case_id = room.signal("t1", "transfer_attempt", "+8613800000003",
                          subject={"district": "wanzhou"}, account="6222", amount_cny=5000)
    assert case_id is not None
    room.advance(minutes=5)  # the high ladder's team stage asks for confirmation
    room.runtime.queue.sent.clear()
    _, work = actions.escalate(room.ctx, case_id, "cui", "no answer")
    assert work.deliveries  # the duty pages: escalating the last stage ran the ladder out
    room.runtime.hand_off(work)
    assert {lane for _, lane, _ in room.runtime.queue.sent} == {DELIVERIES}


def test_lanes_are_taken_most_urgent_first() -> None:
    queue = InlineQueue()
    queue.publish(messages(Work(bulk_signals=["b"], timers=[7], urgent_signals=["u"],
                                deliveries=["d"], assign_teams=True)))
    taken = []
    while (message := queue.take()) is not None:
        taken.append(message[:2])
    assert taken == [(DELIVER, DELIVERIES), (ASSIGN_TEAMS, DELIVERIES),
                     (PROCESS_SIGNALS, URGENT), (FIRE_TIMERS, TIMERS),
                     (PROCESS_SIGNALS, BULK)]
