"""process_signals: each stored signal joins its subject's open case, or opens one.

A batch of signals is decided in one transaction: the signals and their numbers' open cases
are locked with two queries, the facts are read once, and every write goes out together at
the end. A signal whose decision fails is left out of its batch and tried alone; after
three failures its case is stuck (warn.service.containment).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from warn.decisions.batch import CaseBatch, parsed_case
from warn.decisions.writes import CaseRef, DecisionFailed
from warn.domain.case import Case, case_from_dict
from warn.domain.decide import open_case
from warn.domain.events import SignalArrived
from warn.domain.risk import signal_score
from warn.domain.signals import Signal, signal_from_dict
from warn.phases import phase
from warn.service.containment import STORE_TROUBLE, describe, on_fresh_facts, retry_alone
from warn.service.context import Context
from warn.store.many import any_of, update_rows
from warn.store.models import SignalRow
from warn.vocabulary import decision_failed
from warn.work import Work

# Small enough that a worker process is soon free for an urgent message (CONTRACT §6),
# large enough that a batch's fixed cost is spread over many signals.
BATCH = 100


@dataclass
class Processed:
    work: Work
    failed: dict[str, str] = field(default_factory=dict)  # signal id -> what failed


def process_signals(ctx: Context, signal_ids: Sequence[str]) -> Work:
    """Idempotent: signals already processed (or being processed elsewhere) are left alone."""
    ids = list(dict.fromkeys(signal_ids))
    return Work.of(_contained(ctx, ids[start:start + BATCH])
                   for start in range(0, len(ids), BATCH))


def process_signal(ctx: Context, signal_id: str) -> tuple[str | None, Work]:
    """One signal on its own; returns its case id."""
    work = process_signals(ctx, [signal_id])
    with ctx.reads() as session:
        return session.scalar(select(SignalRow.case_id).where(SignalRow.id == signal_id)), work


def _contained(ctx: Context, chunk: list[str]) -> Work:
    try:
        done = on_fresh_facts(lambda: _process_batch(ctx, chunk))
    except STORE_TROUBLE:
        raise
    except Exception as error:
        if len(chunk) > 1:
            # The batch's writes failed together (another worker opened a case for one of
            # these numbers at the same moment, say): each signal again, on its own.
            return Work.of(_contained(ctx, [signal_id]) for signal_id in chunk)
        done = Processed(Work(), {chunk[0]: describe(error)})
    for signal_id, what_failed in done.failed.items():
        done.work.add(retry_alone(what_failed, lambda s=signal_id: _alone(ctx, s),
                                  lambda what, s=signal_id: _stick(ctx, s, what)))
    return done.work


def _alone(ctx: Context, signal_id: str) -> Work | str:
    done = _process_batch(ctx, [signal_id])
    return done.failed.get(signal_id) or done.work


def _process_batch(ctx: Context, signal_ids: list[str]) -> Processed:
    failed: dict[str, str] = {}
    with ctx.sessions.begin() as session:
        with phase("read"):
            fresh = [(row, signal_from_dict(row.payload))
                     for row in _lock_received(session, signal_ids)]
            batch = CaseBatch(session, ctx)
            batch.writer.signals.update((signal.id, signal) for _, signal in fresh)
            batch.load_facts((s.subject.msisdn for _, s in fresh),
                             (s.subject.school for _, s in fresh))
            open_rows = batch.lock_open(signal.subject.msisdn for _, signal in fresh)
        cases: dict[str, tuple[CaseRef, Case | None]] = {
            msisdn: (row, None) for msisdn, row in open_rows.items()}
        joined: list[dict[str, Any]] = []
        for row, signal in fresh:
            try:
                joined.append({"id": row.id, "state": "processed",
                               "case_id": _join(ctx, batch, cases, signal)})
            except DecisionFailed as failure:
                failed[row.id] = str(failure)
        work = batch.finish()
        with phase("write"):
            update_rows(session, SIGNALS, joined)
    return Processed(work, failed)


SIGNALS = SignalRow.__table__


def _lock_received(session: Session, signal_ids: list[str]) -> list[Row[Any]]:
    """The signals not processed yet, locked; those another worker holds are left to it.
    Their state is looked at here, not in the query: asked for in SQL, PostgreSQL may read
    every waiting signal through the partial index of received ones instead of the few
    asked for by key."""
    rows = session.execute(
        select(SIGNALS.c.id, SIGNALS.c.state, SIGNALS.c.payload)
        .where(any_of(session, SIGNALS.c.id, signal_ids))
        .order_by(SIGNALS.c.received_at, SIGNALS.c.id).with_for_update(skip_locked=True))
    return [row for row in rows if row.state == "received"]


def _join(ctx: Context, batch: CaseBatch, cases: dict[str, tuple[CaseRef, Case | None]],
          signal: Signal) -> str:
    msisdn = signal.subject.msisdn
    current = cases.get(msisdn)
    if current is not None:
        row, case = current
        if case is None:
            case = parsed_case(row)
        event = SignalArrived(signal, _score(signal, case))
        row, after = batch.decide(row, case, event)
        cases[msisdn] = (row, after)
        if signal.id in after.signal_ids:
            return after.id
        # The case's window had closed by the time this signal came: it was resolved just
        # now, and the signal opens a new case.
    case = open_case(uuid.uuid4().hex[:16], signal, ctx.policy, ctx.now())
    row, after = batch.decide(None, case, SignalArrived(signal, _score(signal, case)))
    cases[msisdn] = (row, after)
    return after.id


def _score(signal: Signal, case: Case) -> int:
    try:
        return signal_score(signal, case.policy)
    except Exception as error:
        raise DecisionFailed(decision_failed("scoring", error)) from error


def _score_if_it_can(signal: Signal, case: Case) -> int | None:
    try:
        return signal_score(signal, case.policy)
    except Exception:  # what failed may be the scoring itself: the case stays as it is
        return None


def _stick(ctx: Context, signal_id: str, what_failed: str) -> Work:
    """The signal could not be taken: it joins its number's open case, or a new one, and
    that case is stuck, waiting for an officer."""
    with ctx.sessions.begin() as session:
        rows = _lock_received(session, [signal_id])
        if not rows:
            return Work()
        row, signal = rows[0], signal_from_dict(rows[0].payload)
        batch = CaseBatch(session, ctx)
        current = batch.lock_open([signal.subject.msisdn]).get(signal.subject.msisdn)
        if current is not None:
            # Should even reading the stored case fail, the error reaches the worker's log
            # and the sweeper hands the signal out again later.
            stored = case_from_dict(current.aggregate, current.policy)
            _, case = batch.mark_stuck(current, stored, what_failed, signal,
                                       _score_if_it_can(signal, stored))
        else:
            fresh = open_case(uuid.uuid4().hex[:16], signal, ctx.policy, ctx.now())
            _, case = batch.mark_stuck(None, fresh, what_failed, signal,
                                       _score_if_it_can(signal, fresh))
        work = batch.finish()
        update_rows(session, SIGNALS, [{"id": row.id, "state": "processed",
                                        "case_id": case.id}])
        return work

