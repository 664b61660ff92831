"""Deciding for many cases in one transaction, each decision kept or dropped on its own.

A `CaseBatch` locks the cases it decides for, gives every decision the batch's facts, and
stages each decision's writes only once all of them could be built: a decision that fails
(`DecisionFailed`) leaves nothing behind, and the rest of the batch commits. What the
decisions made to be done next is in `batch.work` once `finish` has written them.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, literal_column, select
from sqlalchemy.orm import Session

from warn.decisions.facts import FactBook
from warn.decisions.writes import CaseRef, DecisionFailed, Writer
from warn.domain.case import Case, case_from_dict
from warn.domain.decide import decide, mark_stuck
from warn.domain.events import CloseDispatch, Event, InvalidResult, Missing, Rejected
from warn.domain.policy import Policy
from warn.domain.signals import Signal
from warn.phases import phase
from warn.store.many import any_of
from warn.store.models import CaseRow
from warn.store.policies import snapshot
from warn.vocabulary import decision_failed
from warn.work import Work

_LOCKED_COLUMNS = (CaseRow.id, CaseRow.msisdn, CaseRow.aggregate, CaseRow.version,
                   CaseRow.school_notified_at, CaseRow.school, CaseRow.policy_id)


class CaseNotFound(Missing):
    pass


class Clock(Protocol):
    """What a batch needs of the service's context: the time its decisions are made at."""

    def now(self) -> datetime: ...


class CaseBatch:
    def __init__(self, session: Session, ctx: Clock) -> None:
        self.session, self.ctx = session, ctx
        self.writer = Writer(session)
        self.book: FactBook | None = None
        self.work = Work()

    def lock(self, case_ids: Iterable[str]) -> dict[str, CaseRef]:
        """Lock the cases, always in id order so that two batches never deadlock."""
        query = (select(*_LOCKED_COLUMNS)
                 .where(any_of(self.session, CaseRow.id, sorted(set(case_ids))))
                 .order_by(CaseRow.id).with_for_update())
        return self._known({ref.id: ref for ref in _refs(self.session, query)})

    def lock_open(self, msisdns: Iterable[str]) -> dict[str, CaseRef]:
        """The numbers' open cases, locked, by number."""
        # 'open' written out: the partial index of open cases serves only that literal
        # condition once PostgreSQL plans the prepared statement for any parameter.
        query = (select(*_LOCKED_COLUMNS).where(
            any_of(self.session, CaseRow.msisdn, sorted(set(msisdns))),
            CaseRow.state == literal_column("'open'"))
                 .order_by(CaseRow.id).with_for_update())
        return self._known({ref.msisdn: ref for ref in _refs(self.session, query)})

    def load_facts(self, msisdns: Iterable[str] = (),
                   schools: Iterable[str | None] = ()) -> None:
        """Read what the decisions about these numbers and schools need, once."""
        if self.book is None:
            self.book = FactBook(self.session, msisdns, schools)
        else:
            self.book.know(msisdns, schools)

    def _known(self, refs: dict[str, CaseRef]) -> dict[str, CaseRef]:
        self.load_facts((ref.msisdn for ref in refs.values()),
                        (ref.school for ref in refs.values()))
        return refs

    def decide(self, row: CaseRef | None, case: Case, event: Event, *,
               resync_timer: bool = False) -> tuple[CaseRef, Case]:
        """Decide one event (row None: a new case) and stage its writes, or raise
        DecisionFailed with nothing staged (Rejected and InvalidResult pass through)."""
        now = self.ctx.now()
        self.load_facts([case.subject.msisdn], [case.subject.school])
        assert self.book is not None
        try:
            with phase("decide"):
                after, effects = decide(case, event, now, self.book.facts)
        except (Rejected, InvalidResult):
            raise
        except Exception as error:
            raise DecisionFailed(decision_failed("deciding", error, event)) from error
        try:
            with phase("write"):
                row = self.writer.save(row, case if row is not None else None, after,
                                       effects, now, resync_timer=resync_timer)
        except DecisionFailed:
            raise
        except Exception as error:
            raise DecisionFailed(decision_failed("staging", error, event)) from error
        self.book.record(effects, now)
        self.work.assign_teams |= any(isinstance(e, CloseDispatch) for e in effects)
        return row, after

    def mark_stuck(self, row: CaseRef | None, case: Case, what_failed: str,
                   signal: Signal | None = None, score: int | None = None
                   ) -> tuple[CaseRef, Case]:
        """Stop the case's ladder and page its officers: deciding for it failed each time."""
        now = self.ctx.now()
        self.load_facts([case.subject.msisdn], [case.subject.school])
        assert self.book is not None
        after, effects = mark_stuck(case, what_failed, now, self.book.facts, signal, score)
        row = self.writer.save(row, case if row is not None else None, after, effects, now,
                               resync_timer=True)
        return row, after

    def finish(self) -> Work:
        """Write every staged decision; returns what they left to be done."""
        with phase("write"):
            self.writer.finish()
        self.work.deliveries += self.writer.new_deliveries
        return self.work


def _refs(session: Session, query: Select[Any]) -> list[CaseRef]:
    return [CaseRef(id=r.id, msisdn=r.msisdn, aggregate=r.aggregate, version=r.version,
                    school_notified_at=r.school_notified_at, school=r.school,
                    policy=_policy_of(session, r.aggregate, r.policy_id))
            for r in session.execute(query)]


def _policy_of(session: Session, aggregate: dict[str, Any], key: str | None
               ) -> Policy | None:
    """The snapshot a stored case runs on, when its aggregate does not carry it; None when
    it is not stored, which reading the case then reports as a failed decision."""
    if "policy" in aggregate or key is None:
        return None
    try:
        return snapshot(session, key)
    except LookupError:
        return None


def parsed_case(row: CaseRef) -> Case:
    """The stored case; failing to read it is a failed decision like any other."""
    try:
        return case_from_dict(row.aggregate, row.policy)
    except Exception as error:
        raise DecisionFailed(decision_failed("reading", error)) from error


def lock_case(batch: CaseBatch, case_id: str) -> tuple[CaseRef, Case]:
    refs = batch.lock([case_id])
    if case_id not in refs:
        raise CaseNotFound(case_id)
    return refs[case_id], case_from_dict(refs[case_id].aggregate, refs[case_id].policy)
