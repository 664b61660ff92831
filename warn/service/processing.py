"""process_signal: a stored signal joins its subject's open case, or opens one."""

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warn.domain.case import case_from_dict
from warn.domain.decide import decide, open_case
from warn.domain.events import SignalArrived
from warn.domain.risk import signal_score
from warn.domain.signals import signal_from_dict
from warn.service.cases import Followups, apply_in_session
from warn.service.context import Context
from warn.service.directory import SqlDirectory
from warn.service.persist import save_decision
from warn.store.models import CaseRow, SignalRow

_CREATE_ATTEMPTS = 3


def process_signals(ctx: Context, signal_ids: Sequence[str]) -> None:
    for signal_id in signal_ids:
        process_signal(ctx, signal_id)


def process_signal(ctx: Context, signal_id: str) -> str | None:
    """Idempotent: a signal already processed is left alone. Returns its case id."""
    for attempt in range(_CREATE_ATTEMPTS):
        followups = Followups()
        try:
            with ctx.sessions.begin() as session:
                case_id = _process_in_session(session, ctx, signal_id, followups)
        except IntegrityError:
            # Another worker opened a case for the same number at the same moment (the
            # unique open-case index refused ours): join that case instead.
            if attempt + 1 == _CREATE_ATTEMPTS:
                raise
            continue
        followups.enqueue(ctx)
        return case_id
    return None


def _process_in_session(session: Session, ctx: Context, signal_id: str,
                        followups: Followups) -> str | None:
    row = session.scalars(select(SignalRow).where(SignalRow.id == signal_id)
                          .with_for_update()).one_or_none()
    if row is None or row.state == "processed":
        return row.case_id if row else None
    signal = signal_from_dict(row.payload)
    case_row = session.scalars(select(CaseRow).where(
        CaseRow.msisdn == signal.subject.msisdn, CaseRow.state == "open")
        .with_for_update()).one_or_none()
    if case_row is not None:
        case = case_from_dict(case_row.aggregate)
        event = SignalArrived(signal, signal_score(signal, case.policy))
        after = apply_in_session(session, ctx, case_row, case, event, followups)
        if signal.id not in after.signal_ids:
            # The case's window had closed by the time this signal came: it was resolved
            # just now and the signal opens a new one.
            case_row = None
    if case_row is None:
        now = ctx.now()
        case = open_case(uuid.uuid4().hex[:16], signal, ctx.policy, now)
        event = SignalArrived(signal, signal_score(signal, case.policy))
        after, effects = decide(case, event, now, SqlDirectory(session))
        followups.add(save_decision(session, None, None, after, effects, now), effects)
    row.state, row.case_id = "processed", after.id
    return after.id
