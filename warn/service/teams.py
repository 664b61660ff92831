"""Handing held mobile-team dispatches to teams that have become free."""

from sqlalchemy import select

from warn.domain.events import TeamFreed
from warn.service.cases import apply_event
from warn.service.context import Context
from warn.store.models import CaseRow


def assign_waiting_teams(ctx: Context, limit: int = 100) -> int:
    """Offer free teams to cases waiting for one, oldest first; returns how many went out."""
    with ctx.sessions() as session:
        waiting = list(session.scalars(
            select(CaseRow.id).where(CaseRow.flag_no_team, CaseRow.state == "open")
            .order_by(CaseRow.opened_at).limit(limit)))
    dispatched = 0
    for case_id in waiting:
        after = apply_event(ctx, case_id, TeamFreed())
        stage = after.current_stage()
        dispatched += stage is not None and not stage.waiting_team
    return dispatched
