"""Ingest: validate, store durably (unique on the feed and its id), commit, then enqueue."""

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from warn.domain.policy import Policy
from warn.domain.risk import is_urgent
from warn.domain.signals import Signal, SignalError, UnknownPlace, validate_signal
from warn.phases import phase
from warn.service.context import Context
from warn.service.places import canonical_district, registered_districts, registered_schools
from warn.store.many import any_of, insert_new_rows
from warn.store.models import Audit, SignalRow
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
    those before it (an id sent twice is a duplicate, or a conflict, in the later one).

    Ids are each feed's own (CONTRACT §3): a signal is known by its feed and the feed's id,
    and stored under a key of ours, so that no feed can take or read another's ids."""
    with phase("ingest"):
        return _ingest_requests(ctx, requests)


def _ingest_requests(ctx: Context, requests: Sequence[Request]
                     ) -> tuple[list[Outcome], Work]:
    now = ctx.now()
    outcomes: list[Outcome] = [([], []) for _ in requests]
    fresh: dict[FeedKey, _Fresh] = {}
    with ctx.sessions.begin() as session:
        signals = _validate_all(requests, now, outcomes)
        places = _Places(session, [item.signal for item in signals])
        # Ids stored before are not looked up first: the insert skips them, and only
        # those it skipped are read back (`_settle_races`), a read nearly every batch saves.
        for item in signals:
            accepted, refused = outcomes[item.request]
            earlier = fresh.get(item.key)
            known_hash = earlier.content_hash if earlier else None
            if known_hash is None:
                fresh[item.key] = _Fresh(item.request, item.index, item.key[0], item.content_hash,
                                         places.stored(item.signal, item.key))
            elif known_hash == item.content_hash:
                accepted.append(Accepted(item.index, item.signal.id, duplicate=True))
            else:
                refused.append(Refused(item.index, _conflict(item.signal.id)))
        inserted = _insert(session, list(fresh.values()), now, ctx.policy)
        _settle_races(session, fresh, inserted, outcomes)
        audit = [_audit_row(actor, now, len(items), len(outcomes[n][1]))
                 for n, (items, actor) in enumerate(requests) if actor is not None]
        if audit:
            session.execute(insert(Audit), audit)
    work = Work()
    for key, stored in fresh.items():
        if key in inserted:
            outcomes[stored.request][0].append(Accepted(stored.index, key[1], False))
            lane = work.urgent_signals if inserted[key] else work.bulk_signals
            lane.append(stored.signal.id)
    return [(sorted(accepted, key=lambda a: a.index), sorted(refused, key=lambda r: r.index))
            for accepted, refused in outcomes], work


# A signal is known by (feed, the feed's id). Signals stored before ids were per feed, and
# those loaded by `warn ingest` without --feed, belong to the feed ''.
FeedKey = tuple[str, str]
NO_FEED = ""


@dataclass(frozen=True)
class _Valid:
    request: int
    index: int
    key: FeedKey
    signal: Signal  # as the feed sent it
    content_hash: str


@dataclass(frozen=True)
class _Fresh:
    request: int
    index: int
    feed: str
    content_hash: str
    signal: Signal  # as it is stored: our key, the feed's id, its places matched


class _Places:
    """The registered schools and districts that a transaction's signals name."""

    def __init__(self, session: Session, signals: Sequence[Signal]) -> None:
        self.schools = registered_schools(session, (s.subject.school or "" for s in signals))
        self.districts = registered_districts(
            session, (canonical_district(s.subject.district or "") for s in signals))

    def stored(self, signal: Signal, key: FeedKey) -> Signal:
        """The signal as stored: under a new key of ours, its district in the registered
        spelling, and flagged where its school or district is not registered. An unknown
        place never refuses a signal (CONTRACT §3): the person must still be warned."""
        subject, unknown = signal.subject, list[UnknownPlace]()
        if subject.school is not None and subject.school not in self.schools:
            unknown.append("unknown_school")
        if subject.district is not None:
            canonical = canonical_district(subject.district)
            if canonical in self.districts:
                subject = replace(subject, district=canonical)
            else:
                unknown.append("unknown_district")
        return replace(signal, id=secrets.token_hex(16), feed_id=key[1], subject=subject,
                       unknown=tuple(unknown))


def _audit_row(actor: tuple[str, str], now: datetime, items: int, refused: int
               ) -> dict[str, object]:
    detail = {"role": actor[1], "accepted": items - refused, "rejected": refused}
    return {"at": now, "actor": actor[0], "action": "ingest", "target": "signals",
            "detail": json.dumps(detail, sort_keys=True)}


def _validate_all(requests: Sequence[Request], now: datetime,
                  outcomes: list[Outcome]) -> list[_Valid]:
    valid: list[_Valid] = []
    for request, (items, actor) in enumerate(requests):
        feed = actor[0] if actor is not None else NO_FEED
        for index, item in enumerate(items):
            try:
                signal = validate_signal(item, now)
            except SignalError as error:
                outcomes[request][1].append(Refused(index, error))
                continue
            valid.append(_Valid(request, index, (feed, signal.id), signal,
                                signal.content_hash()))
    return valid


def _stored_hashes(session: Session, keys: Sequence[FeedKey]) -> dict[FeedKey, str]:
    if not keys:
        return {}
    by_feed: dict[str, set[str]] = {}
    for feed, feed_id in keys:
        by_feed.setdefault(feed, set()).add(feed_id)
    found: dict[FeedKey, str] = {}
    for feed, ids in by_feed.items():
        rows = session.execute(select(SignalRow.feed_id, SignalRow.content_hash).where(
            SignalRow.feed == feed, any_of(session, SignalRow.feed_id, sorted(ids))))
        found.update({(feed, feed_id): content_hash for feed_id, content_hash in rows})
    return found


def _insert(session: Session, signals: list[_Fresh], now: datetime, policy: Policy
            ) -> dict[FeedKey, bool]:
    """Store the signals; returns those actually inserted, each with its urgency."""
    if not signals:
        return {}
    urgent = {s.signal.id: is_urgent(s.signal, policy) for s in signals}
    rows = [{"id": s.signal.id, "feed": s.feed, "feed_id": s.signal.feed_id,
             "kind": s.signal.kind, "observed_at": s.signal.observed_at, "received_at": now,
             "msisdn": s.signal.subject.msisdn, "content_hash": s.content_hash,
             "payload": s.signal.to_dict(), "state": "received", "urgent": urgent[s.signal.id]}
            for s in signals]
    inserted = insert_new_rows(session, SignalRow.__table__, rows, unique=("feed", "feed_id"),
                               returning=("id", "feed", "feed_id"))
    return {(feed, feed_id): urgent[signal_id] for signal_id, feed, feed_id in inserted}


def _settle_races(session: Session, fresh: dict[FeedKey, _Fresh],
                  inserted: dict[FeedKey, bool], outcomes: list[Outcome]) -> None:
    """An id stored before, by an earlier request or by one committed a moment ago: the
    same content is a duplicate, other content a conflict."""
    lost = [key for key in fresh if key not in inserted]
    stored = _stored_hashes(session, lost)
    for key in lost:
        item = fresh[key]
        accepted, refused = outcomes[item.request]
        if stored.get(key) == item.content_hash:
            accepted.append(Accepted(item.index, key[1], duplicate=True))
        else:
            refused.append(Refused(item.index, _conflict(key[1])))


def _conflict(signal_id: str) -> SignalError:
    return SignalError(f"signal id '{signal_id}' was already received with different content",
                       "id", code="id_conflict")
