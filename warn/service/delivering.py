"""deliver: claim queued deliveries, send each with its id as idempotency key, record the end.

A batch is claimed with one statement; the sends run a few at a time, as a gateway client
would. Outcomes are written as they come, a few at a time, and the lease of every send still
under way is renewed while the batch lasts: a batch through a slow gateway never outlives
its claim, so no other worker sends it again.
"""

import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace

from sqlalchemy import or_, update

from warn.channels.base import OutboundMessage
from warn.channels.sending import NotAccepted, first_tries, send_with_retries
from warn.decisions.batch import CaseBatch, lock_case, parsed_case
from warn.decisions.writes import DecisionFailed
from warn.domain.events import SendFailed
from warn.phases import phase
from warn.service import paging
from warn.service.containment import on_fresh_facts, retry_alone
from warn.service.context import Context
from warn.service.leases import LEASE, PAUSE_BETWEEN_ROUNDS, ROUNDS
from warn.store.many import any_of, update_rows
from warn.store.models import Delivery
from warn.work import Work

DELIVERIES = Delivery.__table__
SENDERS = 8
BATCH = 500
RECORD_EVERY_S = 0.5
GATHER_S = 0.02


@dataclass(frozen=True)
class Claimed:
    case_id: str
    rounds: int
    message: OutboundMessage
    attempts: int = 0  # sends tried in earlier rounds


@dataclass(frozen=True)
class Outcome:
    claimed: Claimed
    attempts: int
    failure: NotAccepted | None = None


@dataclass
class Delivered:
    states: dict[str, str]  # the new state of each delivery this call sent
    work: Work  # what the cases of deliveries that failed made of it


def deliver_many(ctx: Context, delivery_ids: Sequence[str]) -> Delivered:
    """Send what is still queued."""
    with phase("send"):
        return _deliver_many(ctx, list(dict.fromkeys(delivery_ids)))


def _deliver_many(ctx: Context, ids: list[str]) -> Delivered:
    done = Delivered({}, Work())
    for start in range(0, len(ids), BATCH):
        claimed = _claim(ctx, ids[start:start + BATCH])
        pages = [c for c in claimed if c.message.channel == "duty_page"]
        if pages:
            _page(ctx, pages, done)
            claimed = [c for c in claimed if c.message.channel != "duty_page"]
        if len(claimed) == 1:
            _record(ctx, [_send(ctx, claimed[0])], done)
        elif claimed:
            _send_all(ctx, claimed, done)
    return done


def deliver(ctx: Context, delivery_id: str) -> tuple[str | None, Work]:
    """The delivery's new state (None when somebody else has it or it is done)."""
    done = deliver_many(ctx, [delivery_id])
    return done.states.get(delivery_id), done.work


def _claim(ctx: Context, delivery_ids: list[str]) -> list[Claimed]:
    """Take the deliveries for LEASE; a delivery leased by another worker is left alone."""
    now = ctx.now()
    with ctx.sessions.begin() as session:
        rows = session.execute(
            update(Delivery)
            .where(any_of(session, Delivery.id, delivery_ids), Delivery.state == "queued",
                   or_(Delivery.lease_until.is_(None), Delivery.lease_until < now))
            .values(lease_until=now + LEASE, rounds=Delivery.rounds + 1)
            .returning(Delivery.id, Delivery.case_id, Delivery.rounds, Delivery.channel,
                       Delivery.recipient, Delivery.body, Delivery.attempts)).all()
    return [Claimed(case_id, rounds, OutboundMessage(delivery_id=delivery_id, channel=channel,
                                                     recipient=recipient, body=body), attempts)
            for delivery_id, case_id, rounds, channel, recipient, body, attempts in rows]


def _page(ctx: Context, claimed: list[Claimed], done: Delivered) -> None:
    """Duty pages reach an officer's device grouped (warn.service.paging): a claimed page
    goes in its officer's next message, now or once the officer's minute is over."""
    paged = paging.send_pages(ctx, {c.message.recipient for c in claimed})
    done.states.update({c.message.delivery_id: "queued" for c in claimed})
    done.states.update(paged.states)
    if paged.failed:
        done.work.add(_record_failures(ctx, [
            Outcome(Claimed(f.case_id, ROUNDS, OutboundMessage(f.delivery_id, "duty_page",
                                                               f.officer, "")),
                    0, NotAccepted(f.reason, permanent=True, attempts=0))
            for f in paged.failed]))


def _send_all(ctx: Context, claimed: list[Claimed], done: Delivered) -> None:
    """Send in parallel; record outcomes as they come, renew the lease of the rest. A
    gateway that takes batches gets one try of them all at once first: only the messages
    it asks to have again are sent one by one, with their retries."""
    claimed = _batched_first(ctx, claimed, done)
    if not claimed:
        return
    pool = _senders()
    running: dict[Future[Outcome], Claimed] = {pool.submit(_send, ctx, c): c
                                               for c in claimed}
    renewed = time.monotonic()
    while running:
        first, _ = wait(running, timeout=RECORD_EVERY_S, return_when=FIRST_COMPLETED)
        if first and len(first) < len(running):
            wait(running, timeout=GATHER_S)  # those finishing at nearly the same moment
        finished = {f for f in running if f.done()}
        if finished:
            _record(ctx, [f.result() for f in finished], done)
            for future in finished:
                del running[future]
        if running and time.monotonic() - renewed > LEASE.total_seconds() / 3:
            _renew(ctx, [c.message.delivery_id for c in running.values()])
            renewed = time.monotonic()


def _batched_first(ctx: Context, claimed: list[Claimed], done: Delivered) -> list[Claimed]:
    """Those still to send one by one."""
    by_channel: dict[str, list[Claimed]] = {}
    for one in claimed:
        by_channel.setdefault(one.message.channel, []).append(one)
    left: list[Claimed] = []
    outcomes: list[Outcome] = []
    for channel, group in by_channel.items():
        answers = first_tries(ctx.gateways[channel], [c.message for c in group])
        if answers is None:
            left += group
            continue
        for one, answer in zip(group, answers, strict=True):
            if answer is None:  # tried once: its retries count that try
                left.append(replace(one, attempts=one.attempts + 1))
            elif isinstance(answer, NotAccepted):
                outcomes.append(Outcome(one, answer.attempts, answer))
            else:
                outcomes.append(Outcome(one, answer.attempts))
    if outcomes:
        _record(ctx, outcomes, done)
    return left


_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()


def _senders() -> ThreadPoolExecutor:
    """The process's sending threads, made once (and again in a forked child: threads do
    not survive a fork)."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (os.getpid(), ThreadPoolExecutor(max_workers=SENDERS,
                                                     thread_name_prefix="warn-send"))
        return _pool[1]


def _renew(ctx: Context, delivery_ids: list[str]) -> None:
    with ctx.sessions.begin() as session:
        session.execute(update(Delivery).where(Delivery.id.in_(delivery_ids),
                                               Delivery.state == "queued")
                        .values(lease_until=ctx.now() + LEASE))


def _send(ctx: Context, claimed: Claimed) -> Outcome:
    with phase("send"):
        return _send_one(ctx, claimed)


def _send_one(ctx: Context, claimed: Claimed) -> Outcome:
    message = claimed.message
    try:
        outcome = send_with_retries(ctx.gateways[message.channel], message)
    except NotAccepted as failure:
        return Outcome(claimed, failure.attempts, failure)
    return Outcome(claimed, outcome.attempts)


def _record(ctx: Context, outcomes: list[Outcome], done: Delivered) -> None:
    now = ctx.now()
    sent = [o for o in outcomes if o.failure is None]
    failed = [o for o in outcomes if o.failure is not None and (
        o.failure.permanent or o.claimed.rounds >= ROUNDS)]
    paused = [o for o in outcomes if o.failure is not None and o not in failed]
    with ctx.sessions.begin() as session:
        update_rows(session, DELIVERIES, [
            {"id": o.claimed.message.delivery_id, "state": "sent", "sent_at": now,
             "lease_until": None, "attempts": o.claimed.attempts + o.attempts}
            for o in sent], only={"state": "queued"})
        # Give the claim back a little later; the sweeper picks these up again.
        update_rows(session, DELIVERIES, [
            {"id": o.claimed.message.delivery_id, "lease_until": now + PAUSE_BETWEEN_ROUNDS,
             "last_error": _reason(o),
             "attempts": o.claimed.attempts + o.attempts}
            for o in paused], only={"state": "queued"})
    if failed:
        done.work.add(_record_failures(ctx, failed))
    done.states.update({o.claimed.message.delivery_id: "sent" for o in sent})
    done.states.update({o.claimed.message.delivery_id: "queued" for o in paused})
    done.states.update({o.claimed.message.delivery_id: "failed" for o in failed})


def _record_failures(ctx: Context, failed: list[Outcome]) -> Work:
    """Mark the deliveries failed and tell their cases, in one transaction. A case whose
    decision fails is told again alone, and is stuck after three failures."""
    work, untold = on_fresh_facts(lambda: _mark_failed(ctx, failed))
    for case_id, what_failed, event in untold:
        work.add(retry_alone(what_failed, lambda c=case_id, e=event: _tell_alone(ctx, c, e),
                             lambda what, c=case_id: _stick(ctx, c, what)))
    return work


# (case, what failed, the event it could not take), in the order the failures came
Untold = list[tuple[str, str, SendFailed]]


def _mark_failed(ctx: Context, failed: list[Outcome]) -> tuple[Work, Untold]:
    untold: Untold = []
    with ctx.sessions.begin() as session:
        batch = CaseBatch(session, ctx)
        rows = batch.lock(o.claimed.case_id for o in failed)
        for outcome in failed:
            delivery_id, reason = outcome.claimed.message.delivery_id, _reason(outcome)
            changed = session.execute(
                update(Delivery).where(Delivery.id == delivery_id, Delivery.state == "queued")
                .values(state="failed", last_error=reason, lease_until=None,
                        attempts=Delivery.attempts + outcome.attempts)).rowcount
            row = rows.get(outcome.claimed.case_id)
            if not changed or row is None:
                continue
            event = SendFailed(delivery_id, reason)
            earlier = next((what for case, what, _ in untold if case == row.id), None)
            if earlier is not None:  # the case's events stay in order: this one waits too
                untold.append((row.id, earlier, event))
                continue
            try:
                rows[row.id], _ = batch.decide(row, parsed_case(row), event)
            except DecisionFailed as failure:
                untold.append((row.id, str(failure), event))
        return batch.finish(), untold


def _tell_alone(ctx: Context, case_id: str, event: SendFailed) -> Work | str:
    with ctx.sessions.begin() as session:
        batch = CaseBatch(session, ctx)
        row, _ = lock_case(batch, case_id)
        try:
            batch.decide(row, parsed_case(row), event)
        except DecisionFailed as failure:
            return str(failure)
        return batch.finish()


def _stick(ctx: Context, case_id: str, what_failed: str) -> Work:
    with ctx.sessions.begin() as session:
        batch = CaseBatch(session, ctx)
        row, case = lock_case(batch, case_id)
        batch.mark_stuck(row, case, what_failed)
        return batch.finish()


def _reason(outcome: Outcome) -> str:
    return (outcome.failure.reason if outcome.failure else "")[:500]
