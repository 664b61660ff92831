"""Handing held mobile-team dispatches to teams that have become free."""

from sqlalchemy import select

from warn.domain.events import TeamFreed
from warn.service.actions import apply_event
from warn.service.context import Context
from warn.store.models import CaseRow
from warn.work import Work


def assign_waiting_teams(ctx: Context, limit: int = 100) -> tuple[int, Work]:
    """Offer free teams to cases waiting for one, oldest first; returns how many went out."""
    with ctx.reads() as session:
        waiting = list(session.scalars(
            select(CaseRow.id).where(CaseRow.flag_no_team, CaseRow.state == "open")
            .order_by(CaseRow.opened_at).limit(limit)))
    dispatched, work = 0, Work()
    for case_id in waiting:
        after, more = apply_event(ctx, case_id, TeamFreed())
        work.add(more)
        stage = after.current_stage()
        dispatched += stage is not None and not stage.waiting_team
    return dispatched, work
