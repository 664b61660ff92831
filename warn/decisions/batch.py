"""Applying events to cases under their row locks, and what follows after the commit.

`CaseBatch` decides for many cases in one transaction (a batch of signals, of due timers);
`apply_event` is the batch of one that people's actions use.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from warn.domain.case import Case, case_from_dict
from warn.domain.decide import decide
from warn.domain.events import CloseDispatch, Effect, Event, Send
from warn.service.context import Context
from warn.service.directory import SqlDirectory
from warn.service.persist import CaseRef, Writer
from warn.store.models import CaseRow

_LOCKED_COLUMNS = (CaseRow.id, CaseRow.msisdn, CaseRow.aggregate, CaseRow.version,
                   CaseRow.school_notified_at)


class CaseNotFound(LookupError):
    pass


@dataclass
class Followups:
    """Work that may only be enqueued once the transaction that made it has committed."""

    deliveries: list[str] = field(default_factory=list)
    teams_freed: bool = False

    def add(self, deliveries: Sequence[str], effects: Sequence[Effect]) -> None:
        self.deliveries.extend(deliveries)
        self.teams_freed |= any(isinstance(e, CloseDispatch) for e in effects)

    def enqueue(self, ctx: Context) -> None:
        if self.deliveries:
            ctx.dispatcher.deliver(self.deliveries)
        if self.teams_freed:
            ctx.dispatcher.assign_teams()


class CaseBatch:
    """Decisions for many cases in one transaction, written together at `finish`."""

    def __init__(self, session: Session, ctx: Context):
        self.session, self.ctx = session, ctx
        self.writer = Writer(session)
        self.directory = SqlDirectory(session, before_reading=self.writer.flush)
        self.followups = Followups()

    def lock(self, case_ids: Iterable[str]) -> dict[str, CaseRef]:
        """Lock the cases, always in id order so that two batches never deadlock."""
        query = (select(*_LOCKED_COLUMNS).where(CaseRow.id.in_(sorted(set(case_ids))))
                 .order_by(CaseRow.id).with_for_update())
        return {ref.id: ref for ref in _refs(self.session, query)}

    def lock_open(self, msisdns: Iterable[str]) -> dict[str, CaseRef]:
        query = (select(*_LOCKED_COLUMNS).where(CaseRow.msisdn.in_(sorted(set(msisdns))),
                                                CaseRow.state == "open")
                 .order_by(CaseRow.id).with_for_update())
        return {ref.msisdn: ref for ref in _refs(self.session, query)}

    def decide(self, row: CaseRef | None, case: Case, event: Event, *,
               resync_timer: bool = False) -> tuple[CaseRef, Case]:
        """Decide one event (row None: a new case) and stage its writes."""
        now = self.ctx.now()
        after, effects = decide(case, event, now, self.directory)
        for effect in effects:
            if isinstance(effect, Send) and effect.channel == "flash_sms":
                self.directory.flash_sent(effect.recipient, now)
        sent_before = len(self.writer.new_deliveries)
        row = self.writer.save(row, case if row is not None else None, after, effects, now,
                               resync_timer=resync_timer)
        self.followups.add(self.writer.new_deliveries[sent_before:], effects)
        return row, after

    def finish(self) -> None:
        self.writer.finish()


def _refs(session: Session, query: Select[Any]) -> list[CaseRef]:
    return [CaseRef(id=r.id, msisdn=r.msisdn, aggregate=r.aggregate, version=r.version,
                    school_notified_at=r.school_notified_at) for r in session.execute(query)]


def lock_case(session: Session, case_id: str) -> tuple[CaseRef, Case]:
    refs = _refs(session, select(*_LOCKED_COLUMNS).where(CaseRow.id == case_id)
                 .with_for_update())
    if not refs:
        raise CaseNotFound(case_id)
    return refs[0], case_from_dict(refs[0].aggregate)


def apply_event(ctx: Context, case_id: str, event: Event) -> Case:
    """Lock the case, decide, persist, commit; then enqueue what the decision created."""
    with ctx.sessions.begin() as session:
        row, case = lock_case(session, case_id)
        batch = CaseBatch(session, ctx)
        _, after = batch.decide(row, case, event)
        batch.finish()
    batch.followups.enqueue(ctx)
    return after
