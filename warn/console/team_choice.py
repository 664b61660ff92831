"""Which mobile team would go for a case, and which others an officer may send instead:
every registered team with its load, the case's own district's first. The team proposed is
the one the ladder itself would take (warn.domain.facts.Facts.free_team)."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warn.console.digest import district_names
from warn.decisions.facts import open_dispatches
from warn.domain.case import Case
from warn.domain.facts import Facts, TeamPlace
from warn.store.models import Team


def team_stage_ahead(case: Case) -> bool:
    """A stage that sends a team is waiting or still to come: a team can be sent now."""
    current = case.current if case.current is not None else len(case.stages)
    return any("mobile_team" in stage.spec.send
               and stage.state in ("pending", "awaiting_confirmation")
               for stage in case.stages[current:])


def team_choices(session: Session, case: Case) -> dict[str, Any]:
    teams = list(session.scalars(select(Team).order_by(Team.id)))
    load = open_dispatches(session, [team.id for team in teams])
    facts = Facts(teams={t.id: TeamPlace(t.district, t.capacity) for t in teams},
                  team_load=load)
    proposed = facts.free_team(case.district)
    names = district_names(session, {t.district for t in teams if t.district})
    choices = [{"id": t.id, "district": names.get(t.district or "", t.district or ""),
                "own": t.district == case.district, "busy": load.get(t.id, 0),
                "capacity": t.capacity, "free": bool(facts.team_has_room(t.id))}
               for t in teams]
    choices.sort(key=lambda c: (not c["own"], not c["free"], c["id"]))
    # With none of its own district free, a free team elsewhere is chosen in advance: one
    # click on the big button must not leave a person on the line without a team.
    fallback = None if proposed else next((c["id"] for c in choices if c["free"]), None)
    return {"proposed": proposed, "fallback": fallback, "teams": choices,
            "any_free": any(choice["free"] for choice in choices)}
