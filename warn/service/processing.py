"""process_signals: each stored signal joins its subject's open case, or opens one.

A batch of signals is decided in one transaction: the signals and their numbers' open cases
are locked with two queries, and every write goes out together at the end.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from warn.domain.case import Case, case_from_dict
from warn.domain.decide import open_case
from warn.domain.events import SignalArrived
from warn.domain.risk import signal_score
from warn.domain.signals import Signal, signal_from_dict
from warn.service.cases import CaseBatch
from warn.service.context import Context
from warn.service.persist import CaseRef
from warn.store.models import SignalRow

BATCH = 500


def process_signals(ctx: Context, signal_ids: Sequence[str]) -> None:
    """Idempotent: signals already processed (or being processed elsewhere) are left alone."""
    ids = list(dict.fromkeys(signal_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        try:
            _process_batch(ctx, chunk)
        except IntegrityError:
            # Another worker opened a case for one of these numbers at the same moment
            # (the unique open-case index refused ours): redo them one by one, joining it.
            for signal_id in chunk:
                process_signal(ctx, signal_id)


def process_signal(ctx: Context, signal_id: str, attempts: int = 3) -> str | None:
    """One signal on its own; returns its case id."""
    for attempt in range(attempts):
        try:
            return _process_batch(ctx, [signal_id]).get(signal_id)
        except IntegrityError:
            if attempt + 1 == attempts:
                raise
    return None


def _process_batch(ctx: Context, signal_ids: list[str]) -> dict[str, str]:
    with ctx.sessions.begin() as session:
        rows = list(session.scalars(
            select(SignalRow).where(SignalRow.id.in_(signal_ids))
            .order_by(SignalRow.received_at, SignalRow.id).with_for_update(skip_locked=True)))
        done = {row.id: row.case_id for row in rows if row.state == "processed"}
        fresh = [row for row in rows if row.state == "received"]
        batch = CaseBatch(session, ctx)
        open_rows = batch.lock_open(row.msisdn for row in fresh)
        batch.directory.prefetch_flashes(row.msisdn for row in fresh)
        cases = {msisdn: (row, case_from_dict(row.aggregate)) for msisdn, row in open_rows.items()}
        for row in fresh:
            signal = signal_from_dict(row.payload)
            row.state, row.case_id = "processed", _join(batch, cases, signal)
            done[row.id] = row.case_id
        batch.finish()
    batch.followups.enqueue(ctx)
    return {k: v for k, v in done.items() if v is not None}


def _join(batch: CaseBatch, cases: dict[str, tuple[CaseRef, Case]], signal: Signal) -> str:
    msisdn = signal.subject.msisdn
    current = cases.get(msisdn)
    if current is not None:
        row, case = current
        event = SignalArrived(signal, signal_score(signal, case.policy))
        row, after = batch.decide(row, case, event)
        if signal.id in after.signal_ids:
            cases[msisdn] = (row, after)
            return after.id
        # The case's window had closed by the time this signal came: it was resolved just
        # now, and the signal opens a new case.
    case = open_case(uuid.uuid4().hex[:16], signal, batch.ctx.policy, batch.ctx.now())
    row, after = batch.decide(None, case, SignalArrived(signal, signal_score(signal,
                                                                             case.policy)))
    cases[msisdn] = (row, after)
    return after.id
