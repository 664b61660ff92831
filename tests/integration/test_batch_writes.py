"""The batch writer: many decisions in one transaction, written as a few statements."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.integration.service_harness import Room
from warn.decisions.batch import CaseBatch
from warn.decisions.facts import last_flashes
from warn.domain.case import case_from_dict
from warn.domain.decide import open_case
from warn.domain.events import CancelQueued, Send, SignalArrived, Tick
from warn.domain.risk import signal_score
from warn.domain.signals import Signal, signal_from_dict
from warn.service.ingest import ingest
from warn.store.many import COPY_FROM, add_rows
from warn.store.models import CaseRow, Delivery, SignalRow, TimelineEntry


def _stored_signal(room: Room, signal_id: str, msisdn: str) -> Signal:
    """A signal stored as the API stores it, not yet processed."""
    raw = {"id": signal_id, "kind": "scam_sms", "observed_at": room.now.isoformat(),
           "subject": {"msisdn": msisdn}, "attributes": {"sender": "10690000"}}
    (accepted, _), _work = ingest(room.ctx, [raw])
    assert accepted
    with room.ctx.sessions() as session:  # under our key, as processing reads it
        row = session.get_one(SignalRow, room.signal_key(signal_id))
        return signal_from_dict(row.payload)


def test_a_case_opened_and_changed_across_a_mid_batch_write_is_one_row(room: Room) -> None:
    signal = _stored_signal(room, "seed", "+8613800000001")
    ctx = room.ctx
    with ctx.sessions.begin() as session:
        batch = CaseBatch(session, ctx)
        case = open_case("c-batch", signal, ctx.policy, room.now)
        row, after = batch.decide(None, case,
                                  SignalArrived(signal, signal_score(signal, ctx.policy)))
        batch.writer.flush()  # a batch may write what it has before it goes on
        room.now += timedelta(hours=3)
        row, after = batch.decide(row, after, Tick())
        batch.finish()
    with ctx.sessions() as session:
        rows = list(session.scalars(select(CaseRow).where(CaseRow.id == "c-batch")))
        notes = list(session.scalars(select(TimelineEntry.type).where(
            TimelineEntry.case_id == "c-batch").order_by(TimelineEntry.id)))
    assert [(r.state, r.outcome, r.version) for r in rows] == [("resolved", "warned", 2)]
    assert notes[-1] == "resolved"


def test_resolving_cancels_what_was_queued_before_but_not_what_is_sent_after(
        room: Room) -> None:
    case_id = room.signal("s2", "scam_sms", msisdn="+8613800000002", sender="10690000")
    assert case_id is not None
    with room.ctx.sessions.begin() as session:
        session.add(Delivery(id=f"{case_id}-queued", case_id=case_id, stage=0,
                             channel="flash_sms", recipient="+8613800000002", body="x",
                             state="queued", created_at=room.now))
    ctx = room.ctx
    with ctx.sessions.begin() as session:
        batch = CaseBatch(session, ctx)
        row = batch.lock([case_id])[case_id]
        case = case_from_dict(row.aggregate, row.policy)
        page = Send(f"{case_id}-page", 0, "duty_page", "cui", reason="exhausted")
        batch.writer.save(row, case, case, [CancelQueued(), page], room.now)
        batch.finish()
    states = {d.id: d.state for d in room.deliveries(case_id)}
    assert states[f"{case_id}-queued"] == "cancelled"
    assert states[f"{case_id}-page"] == "queued"


@pytest.mark.parametrize("rows", [3, COPY_FROM + 5])
def test_a_batch_insert_that_breaks_a_constraint_fails_as_an_insert_would(
        room: Room, rows: int) -> None:
    """Processing redoes a batch one signal at a time on IntegrityError (two workers
    opening a case for one number): the COPY path must raise that very error."""
    case_id = room.signal("s3", "scam_sms", msisdn="+8613800000003", sender="10690000")
    timeline = [{"case_id": case_id, "at": room.now, "type": "note", "actor": "t",
                 "detail": str(n)} for n in range(rows)]
    with room.ctx.sessions.begin() as session:
        add_rows(session, TimelineEntry.__table__, timeline)
    with pytest.raises(IntegrityError), room.ctx.sessions.begin() as session:
        add_rows(session, TimelineEntry.__table__,
                 [*timeline[:-1], {**timeline[-1], "case_id": "no-such-case"}])
    with room.ctx.sessions() as session:
        notes = session.scalars(select(TimelineEntry.detail).where(
            TimelineEntry.case_id == case_id, TimelineEntry.type == "note")).all()
    assert sorted(notes, key=int) == [str(n) for n in range(rows)]


def test_the_last_flash_of_each_number_counts_queued_and_sent_only(room: Room) -> None:
    first = room.signal("f1", "scam_sms", msisdn="+8613800000011", sender="10690000")
    room.signal("f2", "scam_sms", msisdn="+8613800000012", sender="10690000")
    assert first is not None
    with room.ctx.sessions.begin() as session:
        session.add(Delivery(id="late-cancelled", case_id=first, stage=0, channel="flash_sms",
                             recipient="+8613800000011", body="x", state="cancelled",
                             created_at=room.now + timedelta(minutes=5)))
    with room.ctx.sessions() as session:
        found = last_flashes(session, ["+8613800000011", "+8613800000012", "+8613800000013"])
    assert found == {"+8613800000011": room.now, "+8613800000012": room.now}
