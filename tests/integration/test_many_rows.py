"""Statements over many rows (warn.store.many) and policy snapshots stored once
(warn.store.policies), on PostgreSQL and SQLite."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.integration.service_harness import Room
from warn.domain.case import case_to_dict
from warn.store.many import any_of, insert_new_rows, update_rows
from warn.store.models import CaseRow, Delivery, PolicyRow, SignalRow
from warn.store.policies import keep_policies, policy_id, stored_case

DELIVERIES = Delivery.__table__


def _deliveries(room: Room, case_id: str, n: int) -> list[str]:
    ids = [f"{case_id}-d{k}" for k in range(n)]
    with room.ctx.sessions.begin() as session:
        session.add_all(Delivery(id=i, case_id=case_id, stage=0, channel="flash_sms",
                                 recipient="+8613800000001", body="x", state="queued",
                                 created_at=room.now) for i in ids)
    return ids


def test_update_rows_sets_each_rows_own_values_only_where_the_condition_holds(
        room: Room) -> None:
    case_id = room.signal("u1", "scam_sms", msisdn="+8613800000001", sender="10690000")
    assert case_id is not None
    ids = _deliveries(room, case_id, 4)
    with room.ctx.sessions.begin() as session:
        session.get_one(Delivery, ids[3]).state = "cancelled"
    sent_at = room.now + timedelta(seconds=3)
    with room.ctx.sessions.begin() as session:
        changed = update_rows(session, DELIVERIES, [
            {"id": i, "state": "sent", "sent_at": sent_at, "attempts": n}
            for n, i in enumerate(ids)], only={"state": "queued"})
    assert changed == 3
    with room.ctx.sessions() as session:
        rows = {d.id: d for d in session.scalars(select(Delivery).where(Delivery.id.in_(ids)))}
    assert [(rows[i].state, rows[i].attempts) for i in ids] == [
        ("sent", 0), ("sent", 1), ("sent", 2), ("cancelled", 0)]
    assert rows[ids[0]].sent_at == sent_at


def test_update_rows_of_nothing_changes_nothing(room: Room) -> None:
    with room.ctx.sessions.begin() as session:
        assert update_rows(session, DELIVERIES, []) == 0


def test_insert_new_rows_returns_only_the_rows_it_inserted(room: Room) -> None:
    table = SignalRow.__table__

    def row(key: str, feed_id: str) -> dict[str, object]:
        return {"id": key, "feed": "f", "feed_id": feed_id, "kind": "scam_sms",
                "observed_at": room.now, "received_at": room.now, "msisdn": "+8613800000001",
                "content_hash": "h", "payload": {"id": key, "note": "引号\"与反斜杠\\"},
                "state": "received", "urgent": False}

    with room.ctx.sessions.begin() as session:
        first = insert_new_rows(session, table, [row("k1", "a"), row("k2", "b")],
                                unique=("feed", "feed_id"), returning=("id", "feed_id"))
    with room.ctx.sessions.begin() as session:
        again = insert_new_rows(session, table, [row("k3", "a"), row("k4", "c")],
                                unique=("feed", "feed_id"), returning=("id", "feed_id"))
    assert sorted(first) == [("k1", "a"), ("k2", "b")]
    assert again == [("k4", "c")]
    with room.ctx.sessions() as session:
        payload = session.scalar(select(SignalRow.payload).where(SignalRow.id == "k1"))
    assert payload == {"id": "k1", "note": "引号\"与反斜杠\\"}


def test_a_bulk_statement_that_breaks_a_constraint_fails_as_sqlalchemy_would(
        room: Room) -> None:
    with pytest.raises(IntegrityError), room.ctx.sessions.begin() as session:
        insert_new_rows(session, DELIVERIES, [
            {"id": "orphan", "case_id": "no-such-case", "stage": 0, "channel": "flash_sms",
             "recipient": "+86", "body": "x", "state": "queued", "attempts": 0, "rounds": 0,
             "created_at": room.now, "dispatch_open": False}],
            unique=("id",), returning=("id",))


def test_any_of_finds_the_values_asked_for_whatever_their_number(room: Room) -> None:
    case_id = room.signal("a1", "scam_sms", msisdn="+8613800000002", sender="10690000")
    assert case_id is not None
    ids = _deliveries(room, case_id, 5)
    with room.ctx.sessions() as session:
        for wanted in (ids[:1], ids[1:4], [*ids, "none"]):
            found = session.scalars(select(Delivery.id).where(
                any_of(session, Delivery.id, wanted))).all()
            assert sorted(found) == sorted(i for i in wanted if i in ids)


def test_a_case_names_its_policy_and_the_snapshot_is_stored_once(room: Room) -> None:
    first = room.signal("p1", "scam_sms", msisdn="+8613800000003", sender="10690000")
    second = room.signal("p2", "scam_sms", msisdn="+8613800000004", sender="10690000")
    with room.ctx.sessions() as session:
        rows = [session.get_one(CaseRow, case_id) for case_id in (first, second)]
        stored = session.scalar(select(func.count()).select_from(PolicyRow))
        cases = [stored_case(session, row.aggregate, row.policy_id) for row in rows]
    assert stored == 1
    assert {row.policy_id for row in rows} == {policy_id(room.ctx.policy)}
    assert all("policy" not in row.aggregate for row in rows)
    assert [case.policy for case in cases] == [room.ctx.policy] * 2


def test_keeping_a_policy_twice_stores_it_once(room: Room) -> None:
    for _ in range(2):
        with room.ctx.sessions.begin() as session:
            keep_policies(session, [room.ctx.policy, room.ctx.policy])
    with room.ctx.sessions() as session:
        assert session.scalar(select(func.count()).select_from(PolicyRow)) == 1


def test_a_case_stored_before_policies_had_a_table_is_read_with_its_own_snapshot(
        room: Room) -> None:
    """Aggregates written before migration 0009 carry their policy and no policy_id."""
    case_id = room.signal("old1", "scam_sms", msisdn="+8613800000005", sender="10690000")
    with room.ctx.sessions.begin() as session:
        row = session.get_one(CaseRow, case_id)
        current = stored_case(session, row.aggregate, row.policy_id)
        row.aggregate, row.policy_id = case_to_dict(current), None
    room.advance(hours=3)  # its window closes: the worker reads and rewrites it
    with room.ctx.sessions() as session:
        row = session.get_one(CaseRow, case_id)
        assert (row.state, row.outcome) == ("resolved", "warned")
        assert row.policy_id == policy_id(room.ctx.policy)
        assert "policy" not in row.aggregate
