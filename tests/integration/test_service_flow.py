"""The service layer end to end on SQLite and PostgreSQL, with the clock moved by hand."""

from datetime import timedelta
from pathlib import Path

import warn
from tests.integration.service_harness import Room, make_room
from warn.service import registration
from warn.service.actions import confirm
from warn.service.delivering import deliver
from warn.service.processing import process_signal
from warn.service.timers import claim_due_timers
from warn.work import Work

DEFAULT_POLICY = Path(warn.__file__).parent / "default_policy.yaml"
STUDENT = {"district": "wanzhou", "school": "sanxia-med", "name": "郭某",
           "student_no": "2023-0412"}


def test_wanzhou_student_is_dissuaded_through_the_school(room: Room) -> None:
    case_id = room.signal("s1", "scam_site_visit", subject=STUDENT, url="hxxp://pay[.]cn")
    assert case_id is not None
    sent = {(d.channel, d.state) for d in room.deliveries(case_id)}
    assert sent == {("flash_sms", "sent"), ("callback_96110", "sent")}
    assert sorted(line["channel"] for line in room.gateway_log()) == ["callback_96110", "flash_sms"]

    room.advance(minutes=2)
    room.answer(case_id, "callback_96110", "hung_up")
    school = room.deliveries(case_id, "school_group")
    assert [(d.recipient, d.state) for d in school] == [("sanxia-security", "sent")]
    assert "郭某" in school[0].body and "2023-0412" in school[0].body
    assert room.row(case_id).school_notified_at is not None

    room.advance(minutes=3)
    case = room.answer(case_id, "school_group", "dissuaded", "sanxia-security")
    assert (case.state, case.outcome) == ("resolved", "dissuaded")
    assert [s.state for s in case.stages] == ["failed", "succeeded", "cancelled"]
    assert room.pending_timers(case_id) == []


def test_a_stage_moves_on_when_its_wait_runs_out(room: Room) -> None:
    case_id = room.signal("s1", "scam_site_visit", subject={"district": "wanzhou"}, url="x")
    assert case_id is not None
    room.advance(minutes=9, seconds=59)
    assert room.case(case_id).current == 0
    room.advance(seconds=1)
    case = room.case(case_id)
    # No school: stage 1 is skipped at once, stage 2 waits for an officer.
    assert [s.state for s in case.stages] == ["passed", "skipped", "awaiting_confirmation"]
    pages = room.deliveries(case_id, "duty_page")
    assert [(p.recipient, p.state) for p in pages] == [("cui", "sent")]
    assert room.row(case_id).flag_awaiting
    room.advance(minutes=5)
    assert room.row(case_id).flag_overdue
    assert len(room.deliveries(case_id, "duty_page")) == 2


def test_processing_and_delivery_are_idempotent(room: Room) -> None:
    case_id = room.signal("s1", "scam_sms", sender="10690000")
    assert case_id is not None
    assert process_signal(room.ctx, room.signal_key("s1")) == (case_id, Work())
    flash = room.deliveries(case_id, "flash_sms")
    assert len(flash) == 1
    assert deliver(room.ctx, flash[0].id) == (None, Work())
    assert len(room.gateway_log()) == 1


def test_a_low_case_closes_as_warned_after_the_window(room: Room) -> None:
    case_id = room.signal("s1", "scam_sms", sender="10690000")
    assert case_id is not None
    room.advance(hours=1)
    room.signal("s2", "scam_sms", sender="10690001")
    room.advance(hours=1, minutes=59)
    assert room.case(case_id).state == "open"
    room.advance(minutes=1)
    case = room.case(case_id)
    assert (case.state, case.outcome) == ("resolved", "warned")
    assert len(room.deliveries(case_id, "flash_sms")) == 1


def test_two_schedulers_never_claim_the_same_timer(room: Room) -> None:
    for n in range(20):
        room.signal(f"s{n}", "scam_site_visit", msisdn=f"+86138000000{n:02d}", url="x")
    room.now = room.now.replace(hour=3)
    first, second = claim_due_timers(room.ctx, limit=15), claim_due_timers(room.ctx, limit=15)
    assert len(first) == 15 and len(second) == 5
    assert not set(first) & set(second)


def test_a_team_dispatch_waits_for_a_free_team(room: Room) -> None:
    registration.add_team(room.ctx, "wz-1", "wanzhou")
    busy = room.signal("a1", "transfer_attempt", msisdn="+8613800000001",
                       subject={"district": "wanzhou"}, account="6222", amount_cny=5000)
    waiting = room.signal("b1", "transfer_attempt", msisdn="+8613800000002",
                          subject={"district": "wanzhou"}, account="6222", amount_cny=5000)
    assert busy and waiting
    room.advance(minutes=5)
    for case_id in (busy, waiting):
        room.runtime.run_now(confirm(room.ctx, case_id, 1, "cui")[1])
    assert [d.recipient for d in room.deliveries(busy, "mobile_team")] == ["wz-1"]
    assert room.deliveries(waiting, "mobile_team") == []
    assert room.row(waiting).flag_no_team
    room.answer(busy, "mobile_team", "not_found", "wz-1")
    room.advance(seconds=1)
    assert [d.recipient for d in room.deliveries(waiting, "mobile_team")] == ["wz-1"]
    assert not room.row(waiting).flag_no_team


def test_a_signal_after_the_window_opens_a_new_case_even_before_the_timer(room: Room) -> None:
    first = room.signal("s1", "scam_sms", sender="10690000")
    room.now += timedelta(hours=2, minutes=1)  # the scheduler has not swept yet
    second = room.signal("s2", "scam_sms", sender="10690001")
    assert first and second and first != second
    assert (room.case(first).state, room.case(first).outcome) == ("resolved", "warned")
    assert room.feed_ids(second) == ["s2"]


def test_the_built_in_policy_asks_for_a_team_only_once_96110_has_called(
        db_url: str, mock_log: Path) -> None:
    """`after_tried: [callback_96110]` on the built-in medium team stage: no confirmation,
    no duty page, while the callback has no result; its first result asks at once."""
    room = make_room(db_url, mock_log, DEFAULT_POLICY.read_text(encoding="utf-8"))
    try:
        registration.add_team(room.ctx, "t1", "wanzhou")
        case_id = room.signal("s1", "scam_site_visit", subject={"district": "wanzhou"},
                              url="x")
        assert case_id is not None
        room.advance(minutes=40)
        case = room.case(case_id)
        assert [s.state for s in case.stages] == ["passed", "skipped", "pending"]
        assert case.stages[2].waiting_tried
        assert room.deliveries(case_id, "duty_page") == []
        assert room.pending_timers(case_id) == []  # nothing is due: 96110 has to call
        assert "waiting_tried" in room.timeline(case_id)
        room.answer(case_id, "callback_96110", "no_answer")
        assert room.row(case_id).flag_awaiting
        assert [p.recipient for p in room.deliveries(case_id, "duty_page")] == ["cui"]
    finally:
        room.ctx.engine.dispose()
