"""Applying one event to one case under its row lock, and what follows after the commit."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from warn.domain.case import Case, case_from_dict
from warn.domain.decide import decide
from warn.domain.events import CloseDispatch, Effect, Event
from warn.service.context import Context
from warn.service.directory import SqlDirectory
from warn.service.persist import save_decision
from warn.store.models import CaseRow


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


def lock_case(session: Session, case_id: str) -> tuple[CaseRow, Case]:
    row = session.scalars(select(CaseRow).where(CaseRow.id == case_id)
                          .with_for_update()).one_or_none()
    if row is None:
        raise CaseNotFound(case_id)
    return row, case_from_dict(row.aggregate)


def apply_in_session(session: Session, ctx: Context, row: CaseRow, case: Case, event: Event,
                     followups: Followups, *, resync_timer: bool = False) -> Case:
    now = ctx.now()
    after, effects = decide(case, event, now, SqlDirectory(session))
    followups.add(save_decision(session, row, case, after, effects, now,
                                resync_timer=resync_timer), effects)
    return after


def apply_event(ctx: Context, case_id: str, event: Event) -> Case:
    """Lock the case, decide, persist, commit; then enqueue what the decision created."""
    followups = Followups()
    with ctx.sessions.begin() as session:
        row, case = lock_case(session, case_id)
        after = apply_in_session(session, ctx, row, case, event, followups)
    followups.enqueue(ctx)
    return after
