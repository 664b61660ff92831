"""One case never holds back another (CONTRACT §6), on each database: a decision that fails
for one case is tried again alone, the rest of its batch commits, and after three failures
the case is stuck, its officers paged, its timeline saying what failed, its timer gone."""

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import warn.decisions.batch as batch_module
import warn.decisions.bodies as bodies_module
from tests.integration.api_harness import Api
from tests.integration.api_harness import api as api  # the fixture
from tests.integration.console_harness import case_order, person
from tests.integration.service_harness import Room, make_room
from warn.decisions.writes import Writer
from warn.domain.case import Case
from warn.domain.events import Event, Rejected, SendFailed, SignalArrived, Tick
from warn.service import actions
from warn.service.ingest import ingest
from warn.store.models import SignalRow, TimelineEntry

POISONED = "+8613800000666"


def _numbers(count: int) -> list[str]:
    return [f"+86138000001{n:02d}" for n in range(count)]


def _failing_for(msisdn: str, event_type: type, monkeypatch: pytest.MonkeyPatch
                 ) -> Counter[str]:
    """Deciding `event_type` for the number's case raises while the case is not stuck yet
    (a stuck case only records what comes); returns the tries per number."""
    tries: Counter[str] = Counter()
    real: Callable[..., Any] = batch_module.decide

    def decide(case: Case, event: Event, *args: Any) -> Any:
        if isinstance(event, event_type):
            tries[case.subject.msisdn] += 1
            if case.subject.msisdn == msisdn and case.stuck is None:
                raise RuntimeError(f"injected for {msisdn}")  # personal data: never shown
        return real(case, event, *args)

    monkeypatch.setattr(batch_module, "decide", decide)
    return tries


def _ingest_together(room: Room, numbers: list[str], kind: str = "scam_sms",
                     **attributes: Any) -> None:
    items = [{"id": f"s-{n}", "kind": kind, "observed_at": room.now.isoformat(),
              "subject": {"msisdn": n, "district": "wanzhou"},
              "attributes": attributes or {"sender": "10690000"}} for n in numbers]
    (accepted, refused), work = ingest(room.ctx, items)
    assert len(accepted) == len(numbers) and not refused
    room.runtime.run_now(work)


def _case_of(room: Room, msisdn: str) -> str:
    with room.ctx.reads() as session:
        case_id = session.scalar(select(SignalRow.case_id).where(
            SignalRow.feed_id == f"s-{msisdn}", SignalRow.state == "processed"))
    assert case_id is not None, f"the signal of {msisdn} was never processed"
    return case_id


def _details(room: Room, case_id: str, kind: str) -> list[str]:
    with room.ctx.reads() as session:
        return list(session.scalars(select(TimelineEntry.detail).where(
            TimelineEntry.case_id == case_id, TimelineEntry.type == kind)))


def test_a_failing_signal_leaves_the_rest_of_its_batch_alone_and_is_stuck_after_three(
        room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    tries = _failing_for(POISONED, SignalArrived, monkeypatch)
    others = _numbers(5)
    _ingest_together(room, [*others[:2], POISONED, *others[2:]])
    assert tries[POISONED] == 3
    assert all(tries[n] == 1 for n in others)  # decided once, in the batch
    warned = {line["recipient"] for line in room.gateway_log()
              if line["channel"] == "flash_sms"}
    assert warned == set(others)
    stuck = _case_of(room, POISONED)
    row = room.row(stuck)
    assert row.flag_stuck and row.state == "open"
    assert (row.tier, row.score) == ("low", 30)  # scored as the signal would have been
    assert room.feed_ids(stuck) == [f"s-{POISONED}"]  # the officer sees the signal
    assert _details(room, stuck, "stuck") == [
        "处理新信号时出错（RuntimeError）；阶梯已暂停，等待值班民警处置"]
    pages = [line for line in room.gateway_log() if line["channel"] == "duty_page"]
    assert [page["recipient"] for page in pages] == ["cui"]
    assert POISONED not in str(_details(room, stuck, "stuck"))
    assert room.pending_timers(stuck) == []


def test_a_failing_timer_leaves_the_other_cases_going_and_stops_being_claimed(
        room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    numbers = [*_numbers(3), POISONED]
    _ingest_together(room, numbers, "scam_site_visit", url="http://scam.example/x")
    tries = _failing_for(POISONED, Tick, monkeypatch)
    room.advance(minutes=10)  # every medium case's first stage runs out together
    assert tries[POISONED] == 3
    for number in numbers[:3]:
        case = room.case(_case_of(room, number))
        assert [s.state for s in case.stages[:2]] == ["passed", "skipped"], number
        assert case.stages[2].state == "awaiting_confirmation"
    stuck = _case_of(room, POISONED)
    assert room.row(stuck).flag_stuck
    assert room.case(stuck).stages[0].state == "active"  # where the ladder stopped
    assert room.pending_timers(stuck) == []
    assert _details(room, stuck, "stuck") == [
        "处理到时检查时出错（RuntimeError）；阶梯已暂停，等待值班民警处置"]
    before = tries[POISONED]
    room.advance(hours=3)  # no timer of the stuck case comes back
    assert tries[POISONED] == before


def test_a_message_that_cannot_be_rendered_is_a_stuck_case_not_a_stuck_batch(
        room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    real = bodies_module.render_message

    def render(channel: str, context: Any) -> str:
        if channel == "flash_sms" and context.msisdn == POISONED:
            raise OverflowError("int too large")
        return real(channel, context)

    monkeypatch.setattr(bodies_module, "render_message", render)
    _ingest_together(room, [POISONED, *_numbers(2)])
    stuck = _case_of(room, POISONED)
    assert _details(room, stuck, "stuck") == [
        "生成闪信消息时出错（OverflowError）；阶梯已暂停，等待值班民警处置"]
    assert {line["recipient"] for line in room.gateway_log()
            if line["channel"] == "flash_sms"} == set(_numbers(2))


def test_a_stuck_case_waits_for_an_officer_and_an_outcome_resolves_it(
        room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        _failing_for(POISONED, SignalArrived, patch)
        _ingest_together(room, [POISONED])
    stuck = _case_of(room, POISONED)
    with pytest.raises(Rejected):
        actions.escalate(room.ctx, stuck, "cui", None)
    again = {"id": "s-again", "kind": "scam_sms", "observed_at": room.now.isoformat(),
             "subject": {"msisdn": POISONED}, "attributes": {"sender": "10690000"}}
    (_, refused), work = ingest(room.ctx, [again])
    room.runtime.run_now(work)
    assert not refused and room.feed_ids(stuck)[-1] == "s-again"  # kept with it
    after, _ = actions.record_outcome(room.ctx, stuck, "false_positive", "cui", "checked")
    assert (after.state, after.outcome, after.stuck) == ("resolved", "false_positive", None)
    assert not room.row(stuck).flag_stuck


def test_a_write_that_fails_the_whole_batch_is_retried_case_by_case(
        room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    numbers = [*_numbers(3), POISONED]
    _ingest_together(room, numbers, "scam_site_visit", url="http://scam.example/x")
    poisoned = _case_of(room, POISONED)
    real = Writer.flush

    def flush(writer: Writer) -> None:
        changed = writer._changed_cases.get(poisoned)
        if changed is not None and not changed["flag_stuck"]:
            raise RuntimeError("a row the store refuses")  # fails the whole transaction
        real(writer)

    monkeypatch.setattr(Writer, "flush", flush)
    room.advance(minutes=10)
    for number in numbers[:3]:
        assert room.case(_case_of(room, number)).stages[2].state == "awaiting_confirmation"
    assert room.row(poisoned).flag_stuck
    assert _details(room, poisoned, "stuck") == [
        "写入处理结果时出错（RuntimeError）；阶梯已暂停，等待值班民警处置"]
    assert room.pending_timers(poisoned) == []


def test_the_api_shows_a_stuck_case_flagged_and_finds_it_by_its_flag(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    _failing_for(POISONED, SignalArrived, monkeypatch)
    stuck = api.open_case("scam_sms", msisdn=POISONED)
    fine = api.open_case("scam_sms", msisdn=_numbers(1)[0])
    assert "stuck" in api.case(stuck)["flags"] and "stuck" not in api.case(fine)["flags"]
    found = api.get("root", "/v1/cases", flag="stuck").json()["items"]
    assert [case["id"] for case in found] == [stuck]



def test_the_console_queue_shows_a_stuck_case_among_those_that_need_a_person(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    _failing_for(POISONED, SignalArrived, monkeypatch)
    officer = person(api, "cui", "officer", district="wanzhou")  # registers the district
    fine = api.open_case("scam_sms", msisdn=_numbers(1)[0], district="wanzhou")
    api.clock.advance(minutes=1)
    stuck = api.open_case("scam_sms", msisdn=POISONED, district="wanzhou")
    page = officer.get("/queue").text
    assert case_order(page) == [stuck, fine]  # the same tier: the stuck one, though newer
    assert "处理失败，需人工处置" in page and "处理失败待人工" in page
    assert 'data-count="needs_me" href="/queue?mine=1"><b>1</b> 待我处理' in page


def test_a_case_that_cannot_take_its_failed_sends_is_stuck_and_the_others_go_on(
        db_url: str, mock_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARN_MOCK_DOWN", "flash_sms,callback_96110")  # refused for good
    room = make_room(db_url, mock_log)
    try:
        tries = _failing_for(POISONED, SendFailed, monkeypatch)
        numbers = [*_numbers(2), POISONED]
        _ingest_together(room, numbers, "scam_site_visit", url="http://scam.example/x")
        # The first failed send: in its batch, then twice alone; the second is taken by
        # the case once stuck, as a record.
        assert tries[POISONED] == 4
        stuck = _case_of(room, POISONED)
        assert room.row(stuck).flag_stuck
        assert _details(room, stuck, "stuck") == [
            "处理发送失败时出错（RuntimeError）；阶梯已暂停，等待值班民警处置"]
        assert {d.state for d in room.deliveries(stuck) if d.channel != "duty_page"} == {
            "failed"}  # recorded, both of them, whatever the case made of it
        for number in numbers[:2]:
            case = room.case(_case_of(room, number))
            assert not room.row(case.id).flag_stuck
            assert case.stages[0].state == "failed"  # both channels refused: the stage failed
    finally:
        room.ctx.engine.dispose()
