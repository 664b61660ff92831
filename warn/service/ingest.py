"""Ingest: validate, store durably (unique on the feed's id), commit, then enqueue."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from warn.domain.policy import Policy
from warn.domain.risk import is_urgent
from warn.domain.signals import Signal, SignalError, validate_signal
from warn.service.context import Context
from warn.store.models import Audit, School, SignalRow
from warn.work import Work

MAX_BATCH = 1000


@dataclass(frozen=True)
class Accepted:
    index: int
    id: str
    duplicate: bool


@dataclass(frozen=True)
class Refused:
    index: int
    error: SignalError


Request = tuple[Sequence[object], tuple[str, str] | None]  # items, actor (name, role)
Outcome = tuple[list[Accepted], list[Refused]]


def ingest(ctx: Context, items: Sequence[object], *, actor: tuple[str, str] | None = None
           ) -> tuple[Outcome, Work]:
    """Store every valid item; the invalid ones are refused one by one, never the batch.
    The work: the new signals to process, by lane.

    `actor` (name, role) is recorded in the audit table in the same transaction: one
    commit per request, not two."""
    outcomes, work = ingest_requests(ctx, [(items, actor)])
    return outcomes[0], work


def ingest_requests(ctx: Context, requests: Sequence[Request]
                    ) -> tuple[list[Outcome], Work]:
    """Several requests in one transaction, each answered as if it had come alone after
    those before it (an id sent twice is a duplicate, or a conflict, in the later one)."""
    now = ctx.now()
    outcomes: list[Outcome] = [([], []) for _ in requests]
    fresh: dict[str, tuple[int, int, Signal]] = {}  # id -> (request, index, signal)
    with ctx.sessions.begin() as session:
        signals = _validate_all(session, requests, now, outcomes)
        known = _stored_hashes(session, [s.id for _, _, s in signals])
        for request, index, signal in signals:
            accepted, refused = outcomes[request]
            earlier = fresh.get(signal.id)
            known_hash = known.get(signal.id) or (
                earlier[2].content_hash() if earlier else None)
            if known_hash is None:
                fresh[signal.id] = (request, index, signal)
            elif known_hash == signal.content_hash():
                accepted.append(Accepted(index, signal.id, duplicate=True))
            else:
                refused.append(Refused(index, _conflict(signal.id)))
        inserted = _insert(session, [s for _, _, s in fresh.values()], now, ctx.policy)
        _settle_races(session, fresh, inserted, outcomes)
        audit = [_audit_row(actor, now, len(items), len(outcomes[n][1]))
                 for n, (items, actor) in enumerate(requests) if actor is not None]
        if audit:
            session.execute(insert(Audit), audit)
    work = Work()
    for request, index, signal in fresh.values():
        if signal.id in inserted:
            outcomes[request][0].append(Accepted(index, signal.id, False))
            lane = work.urgent_signals if inserted[signal.id] else work.bulk_signals
            lane.append(signal.id)
    return [(sorted(accepted, key=lambda a: a.index), sorted(refused, key=lambda r: r.index))
            for accepted, refused in outcomes], work


def _audit_row(actor: tuple[str, str], now: datetime, items: int, refused: int
               ) -> dict[str, object]:
    detail = {"role": actor[1], "accepted": items - refused, "rejected": refused}
    return {"at": now, "actor": actor[0], "action": "ingest", "target": "signals",
            "detail": json.dumps(detail, sort_keys=True)}


def _validate_all(session: Session, requests: Sequence[Request], now: datetime,
                  outcomes: list[Outcome]) -> list[tuple[int, int, Signal]]:
    valid: list[tuple[int, int, Signal]] = []
    for request, (items, _) in enumerate(requests):
        for index, item in enumerate(items):
            try:
                valid.append((request, index, validate_signal(item, now)))
            except SignalError as error:
                outcomes[request][1].append(Refused(index, error))
    schools = {s.subject.school for _, _, s in valid if s.subject.school}
    registered = set(session.scalars(select(School.id).where(School.id.in_(schools)))
                     ) if schools else set()
    kept = []
    for request, index, signal in valid:
        if signal.subject.school and signal.subject.school not in registered:
            outcomes[request][1].append(Refused(index, SignalError(
                f"school '{signal.subject.school}' is not registered", "subject.school")))
        else:
            kept.append((request, index, signal))
    return kept


def _stored_hashes(session: Session, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.execute(select(SignalRow.id, SignalRow.content_hash)
                           .where(SignalRow.id.in_(set(ids))))
    return {signal_id: content_hash for signal_id, content_hash in rows}


def _insert(session: Session, signals: list[Signal], now: datetime, policy: Policy
            ) -> dict[str, bool]:
    """Store the signals; returns those actually inserted, each with its urgency."""
    if not signals:
        return {}
    urgent = {s.id: is_urgent(s, policy) for s in signals}
    rows = [{"id": s.id, "kind": s.kind, "observed_at": s.observed_at, "received_at": now,
             "msisdn": s.subject.msisdn, "content_hash": s.content_hash(),
             "payload": s.to_dict(), "state": "received", "urgent": urgent[s.id]}
            for s in signals]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # One statement, many parameter sets: SQLAlchemy caches its compiled form and sends the
    # rows as multi-row VALUES ("insertmanyvalues"), with the ids actually inserted back.
    statement = insert(SignalRow).on_conflict_do_nothing(
        index_elements=["id"]).returning(SignalRow.id)
    return {signal_id: urgent[signal_id] for signal_id in session.scalars(statement, rows)}


def _settle_races(session: Session, fresh: dict[str, tuple[int, int, Signal]],
                  inserted: dict[str, bool], outcomes: list[Outcome]) -> None:
    """An id another request stored between our read and our insert: decide it now."""
    lost = [signal_id for signal_id in fresh if signal_id not in inserted]
    stored = _stored_hashes(session, lost)
    for signal_id in lost:
        request, index, signal = fresh[signal_id]
        accepted, refused = outcomes[request]
        if stored.get(signal_id) == signal.content_hash():
            accepted.append(Accepted(index, signal_id, duplicate=True))
        else:
            refused.append(Refused(index, _conflict(signal_id)))


def _conflict(signal_id: str) -> SignalError:
    return SignalError(f"signal id '{signal_id}' was already received with different content",
                       "id", code="id_conflict")
