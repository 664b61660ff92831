"""Duty pages grouped per officer, on SQLite and PostgreSQL with the clock moved by hand:
each case lists its own duty_page deliveries, while an officer's device gets at most one
message a minute carrying them; the roster decides who is paged, and an overdue
confirmation goes up to the shift supervisor."""

import threading
from collections import defaultdict
from datetime import timedelta
from itertools import pairwise

from sqlalchemy import select, update

from tests.integration.service_harness import Room
from warn.service import page_inbox, registration, roster
from warn.service.delivering import deliver_many
from warn.store.models import Delivery, DeliveryResult, PageMessage, Pager

HIGH = {"district": "wanzhou"}  # a transfer attempt: high, no school; confirm asked at 5m


def _high_case(room: Room, n: int) -> str:
    case_id = room.signal(f"t{n}", "transfer_attempt", msisdn=f"+86139000{n:05d}",
                          subject=HIGH, account="6222020200112233", amount_cny=5000)
    assert case_id is not None
    return case_id


def _page_lines(room: Room) -> list[dict]:
    return [line for line in room.gateway_log() if line["channel"] == "duty_page"]


def _messages(room: Room) -> list[PageMessage]:
    with room.ctx.sessions() as session:
        return list(session.scalars(select(PageMessage).order_by(PageMessage.created_at)))


def _pages(room: Room) -> list[Delivery]:
    with room.ctx.sessions() as session:
        return list(session.scalars(select(Delivery).where(Delivery.channel == "duty_page")))


def test_sixty_confirmations_in_ten_minutes_give_each_officer_a_page_a_minute(
        room: Room) -> None:
    registration.add_user(room.ctx, "wang", "officer", district="wanzhou")
    cases = []
    for n in range(60):  # one new high case every 10 s; each asks for a team 5 minutes on
        cases.append(_high_case(room, n))
        room.advance(seconds=10)
    for _ in range(6 * 12):  # their confirmations come due and run late; nobody answers
        room.advance(seconds=10)

    pages = _pages(room)
    assert {(p.state, p.page_reason) for p in pages} == {("sent", "confirm"),
                                                          ("sent", "overdue")}
    assert len(pages) == 60 * 2 * 2  # confirm and overdue, to each of the two officers
    by_case: dict[str, set[str]] = defaultdict(set)
    for p in pages:
        by_case[p.case_id].add(p.recipient)
    assert by_case == {case_id: {"cui", "wang"} for case_id in cases}

    lines = _page_lines(room)
    messages = {m.id: m for m in _messages(room)}
    for officer in ("cui", "wang"):
        own = sorted((m for m in messages.values() if m.officer == officer),
                     key=lambda m: m.created_at)
        gaps = [b.sent_at - a.sent_at for a, b in pairwise(own)]
        assert all(gap >= timedelta(minutes=1) for gap in gaps), gaps
        assert 7 <= len(own) <= 13  # about 12 minutes of pages, one message a minute
        carried = [d for line in lines if line["recipient"] == officer
                   for d in line["delivery_ids"]]
        mine = sorted(p.id for p in pages if p.recipient == officer)
        assert sorted(carried) == mine  # every page in exactly one message
    assert len(lines) == len(messages)  # one gateway line per message, none twice
    assert {line["delivery_id"] for line in lines} == set(messages)
    for p in pages:  # a page is sent when, and only when, its message is
        assert p.sent_at == messages[p.page_message_id].sent_at
    grouped = [line["body"] for line in lines if len(line["delivery_ids"]) > 2]
    assert grouped and all(len(body) <= 200 for body in grouped)
    assert all("件待处理" in body and "另" in body for body in grouped)


def test_a_page_held_for_the_officers_minute_goes_out_when_it_is_over(room: Room) -> None:
    first = _high_case(room, 1)
    room.advance(minutes=5)  # 5:00 its confirm page, cui's first: sent at once
    assert [(p.state, p.recipient) for p in room.deliveries(first, "duty_page")] == [
        ("sent", "cui")]
    room.advance(minutes=2)  # 7:00 overdue: two minutes after the last, sent at once
    assert len(_page_lines(room)) == 2
    second, third = _high_case(room, 2), _high_case(room, 3)  # confirm asked at 12:00
    room.advance(seconds=30)
    fourth = _high_case(room, 4)  # confirm asked at 12:30
    room.advance(minutes=4, seconds=30)  # 12:00: both in one message
    lines = _page_lines(room)
    assert len(lines) == 3
    assert sorted(lines[-1]["delivery_ids"]) == sorted(
        p.id for c in (second, third) for p in room.deliveries(c, "duty_page"))
    assert "2件待处理（高2）" in lines[-1]["body"]
    room.advance(seconds=30)  # 12:30: inside cui's minute, so it waits
    assert [p.state for p in room.deliveries(fourth, "duty_page")] == ["queued"]
    room.advance(seconds=29)
    assert [p.state for p in room.deliveries(fourth, "duty_page")] == ["queued"]
    room.advance(seconds=2)  # 13:01: the minute is over, the sweeper has handed it out
    held = room.deliveries(fourth, "duty_page")
    assert [p.state for p in held] == ["sent"]
    assert held[0].sent_at == room.now
    assert len(_page_lines(room)) == 4
    assert _page_lines(room)[-1]["delivery_ids"] == [held[0].id]
    assert _page_lines(room)[-1]["body"] == held[0].body  # one case: its own page


def test_two_workers_paging_one_officer_at_once_send_one_message(room: Room) -> None:
    for n in range(6):
        _high_case(room, n)
    room.advance(minutes=5)  # one message carries the six confirmations
    assert len(_page_lines(room)) == 1
    for n in range(6, 12):
        _high_case(room, n)
    room.now += timedelta(minutes=5)  # their pages are made, nobody sends them yet
    room.runtime.run_now(_fire_without_sending(room))
    waiting = [p.id for p in _pages(room) if p.state == "queued"]
    assert len(waiting) >= 6
    with room.ctx.sessions.begin() as session:  # as if the officer's minute were over
        session.execute(update(Pager).values(last_page_at=room.now - timedelta(minutes=2)))
        session.execute(update(Delivery).where(Delivery.id.in_(waiting))
                        .values(lease_until=None))
    start = threading.Barrier(2)
    states: list[dict[str, str]] = []

    def worker(ids: list[str]) -> None:
        start.wait()
        states.append(deliver_many(room.ctx, ids).states)

    threads = [threading.Thread(target=worker, args=(ids,))
               for ids in (waiting, list(reversed(waiting)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = _page_lines(room)
    assert len(lines) == 2, lines  # the six of before, and one for all of these
    assert sorted(lines[-1]["delivery_ids"]) == sorted(waiting)
    assert {p.state for p in _pages(room)} == {"sent"}


def _fire_without_sending(room: Room):  # type: ignore[no-untyped-def]
    """Fire the due timers, keeping the duty pages they make unsent."""
    from warn.service.sweeper import Sweeper
    from warn.service.timers import fire_timers

    work = Sweeper(room.ctx).sweep()
    _, made = fire_timers(room.ctx, work.timers)
    made.deliveries = []
    return made


def test_pages_go_to_the_officers_on_shift_and_overdue_up_to_the_supervisor(
        room: Room) -> None:
    ctx = room.ctx
    registration.add_user(ctx, "wang", "officer", district="wanzhou")
    registration.add_user(ctx, "boss", "officer")  # no district: sees every case
    roster.sign_on(ctx, "wang", "admin")
    roster.sign_on(ctx, "boss", "admin", lead=True)
    case_id = _high_case(room, 1)
    room.advance(minutes=5)
    assert {p.recipient for p in room.deliveries(case_id, "duty_page")} == {"wang", "boss"}
    room.advance(minutes=2)  # overdue: wang again, and boss as the supervisor
    overdue = [p.recipient for p in room.deliveries(case_id, "duty_page")
               if p.page_reason == "overdue"]
    assert sorted(overdue) == ["boss", "wang"]
    assert roster.sign_off(ctx, "wang") and roster.sign_off(ctx, "boss")
    assert not roster.sign_off(ctx, "wang")
    second = _high_case(room, 2)
    room.advance(minutes=5)  # nobody on shift: every officer who sees it, as before
    assert {p.recipient for p in room.deliveries(second, "duty_page")} == {"cui", "wang",
                                                                          "boss"}


def test_a_supervisor_only_on_overdue_and_only_when_on_shift(room: Room) -> None:
    ctx = room.ctx
    registration.add_user(ctx, "lead", "officer", district="wanzhou")
    roster.sign_on(ctx, "cui", "cui")
    roster.sign_on(ctx, "lead", "admin", lead=True)
    case_id = _high_case(room, 1)
    room.advance(minutes=5)
    confirm = [p.recipient for p in room.deliveries(case_id, "duty_page")]
    assert sorted(confirm) == ["cui", "lead"]  # lead is on shift as an officer too
    assert "值班领导" not in " ".join(_timeline_details(room, case_id))
    room.advance(minutes=2)
    assert "上报值班领导" not in " ".join(_timeline_details(room, case_id))  # already paged


def _timeline_details(room: Room, case_id: str) -> list[str]:
    from warn.store.models import TimelineEntry

    with room.ctx.sessions() as session:
        return list(session.scalars(select(TimelineEntry.detail).where(
            TimelineEntry.case_id == case_id, TimelineEntry.type == "duty_page")))


def test_acknowledged_pages_leave_the_officers_list_and_are_acknowledged_once(
        room: Room) -> None:
    first = _high_case(room, 1)
    room.advance(minutes=5)
    second = _high_case(room, 2)
    room.advance(minutes=2)  # 7:00: the first case's overdue page
    with room.ctx.reads() as session:
        before = page_inbox.unanswered(session, "cui")
        assert page_inbox.count_unanswered(session, "cui") == len(before) == 2
    assert {p.case_id for p in before} == {first}
    done, _ = page_inbox.acknowledge(room.ctx, "cui", [p.delivery_id for p in before])
    assert sorted(done) == sorted(p.delivery_id for p in before)
    with room.ctx.reads() as session:
        assert page_inbox.unanswered(session, "cui") == []
        results = session.scalars(select(DeliveryResult.result).where(
            DeliveryResult.delivery_id.in_(done))).all()
    assert results == ["acknowledged", "acknowledged"]
    assert page_inbox.acknowledge(room.ctx, "cui", done)[0] == []  # nothing twice
    assert page_inbox.acknowledge(room.ctx, "wang", done)[0] == []  # nor someone else's
    room.advance(minutes=5)  # 12:00: the second case's confirm page
    with room.ctx.reads() as session:
        assert [p.case_id for p in page_inbox.unanswered(session, "cui")] == [second]


def test_a_held_page_acknowledged_on_the_console_is_never_sent(room: Room) -> None:
    _high_case(room, 1)
    room.advance(seconds=30)
    second = _high_case(room, 2)  # asks at 5:30
    room.advance(minutes=4, seconds=30)  # 5:00: the first case's page goes at once
    room.advance(seconds=30)  # 5:30: the second's waits for 6:00
    held = room.deliveries(second, "duty_page")
    assert [p.state for p in held] == ["queued"]
    page_inbox.acknowledge(room.ctx, "cui", [held[0].id])
    room.advance(minutes=1)
    after = room.deliveries(second, "duty_page")[0]
    assert after.state == "cancelled"
    assert len(_page_lines(room)) == 1
    assert all(after.id not in line["delivery_ids"] for line in _page_lines(room))
