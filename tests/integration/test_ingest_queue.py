"""Group commit: small requests that queue together share one transaction, and each is
answered as if it had come alone after those before it."""

from concurrent.futures import Future
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.integration.service_harness import Room
from warn.api import ingest_queue
from warn.api.ingest_queue import IngestQueue
from warn.service.ingest import Outcome, Request, ingest_requests
from warn.store.models import Audit, SignalRow
from warn.work import Work


def _raw(room: Room, signal_id: str, sender: str = "10690000") -> dict[str, Any]:
    return {"id": signal_id, "kind": "scam_sms", "observed_at": room.now.isoformat(),
            "subject": {"msisdn": "+8613800000009"}, "attributes": {"sender": sender}}


def test_requests_in_one_transaction_answer_as_if_each_came_alone(room: Room) -> None:
    first, again, changed, other, bad = (
        [_raw(room, "a"), _raw(room, "b")], [_raw(room, "a")], [_raw(room, "b", "95555")],
        [_raw(room, "a", "95555")], [{"id": "x"}])
    outcomes, work = ingest_requests(room.ctx, [(first, ("feed-1", "feed")),
                                          (again, ("feed-1", "feed")),
                                          (changed, ("feed-1", "feed")),
                                          (other, ("feed-2", "feed")), (bad, None)])
    assert [[(a.index, a.id, a.duplicate) for a in accepted] for accepted, _ in outcomes] == [
        [(0, "a", False), (1, "b", False)], [(0, "a", True)], [], [(0, "a", False)], []]
    assert [[(r.index, r.error.code) for r in refused] for _, refused in outcomes][2] == [
        (0, "id_conflict")]  # its own id again, with other content
    assert outcomes[4][1][0].error.code != "id_conflict"
    with room.ctx.sessions() as session:
        keys = dict(session.execute(select(SignalRow.id, SignalRow.feed)).all())
        assert sorted(keys.values()) == ["feed-1", "feed-1", "feed-2"]  # feed-2's "a" is its own
        assert (sorted(work.bulk_signals), work.urgent_signals) == (sorted(keys), [])
        assert session.scalar(select(func.count()).select_from(Audit)
                              .where(Audit.action == "ingest")) == 4  # one per actor's request


def test_a_request_that_breaks_the_shared_transaction_fails_alone(
        room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    def fragile(ctx: Any, requests: list[Request]) -> tuple[list[Outcome], Work]:
        if any(item == "boom" for items, _ in requests for item in items):
            raise RuntimeError("boom")
        return ingest_requests(ctx, requests)

    monkeypatch.setattr(ingest_queue, "ingest_requests", fragile)
    queue = IngestQueue(lambda: room.ctx, room.runtime.hand_off)
    good: Future[Outcome] = Future()
    broken: Future[Outcome] = Future()
    queue._store([(([_raw(room, "g")], ("feed", "feed")), good),
                  ((["boom"], ("feed", "feed")), broken)])
    accepted, refused = good.result(timeout=5)
    assert [a.id for a in accepted] == ["g"] and not refused
    with pytest.raises(RuntimeError, match="boom"):
        broken.result(timeout=5)


def test_many_requests_at_once_are_all_stored_and_answered(room: Room) -> None:
    queue = IngestQueue(lambda: room.ctx, room.runtime.hand_off)
    futures = [queue.submit([_raw(room, f"s{n}")], ("feed", "feed")) for n in range(200)]
    answers = [future.result(timeout=30) for future in futures]
    assert all(len(accepted) == 1 and not refused for accepted, refused in answers)
    with room.ctx.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SignalRow)) == 200
