"""Registering schools, teams and users (the `warn school/team/user` commands)."""

import secrets

from sqlalchemy import delete

from warn.service.context import Context
from warn.service.tokens import forget_trusted_tokens, hash_token
from warn.store.models import School, Team, User, WebSession

ROLES = ("feed", "officer", "liaison", "team", "admin")


class AdminError(ValueError):
    """A registration that cannot be made as asked; the message says why."""


def add_school(ctx: Context, school_id: str, name: str, district: str) -> None:
    with ctx.sessions.begin() as session:
        school = session.get(School, school_id) or School(id=school_id)
        school.name, school.district = name, district
        session.add(school)


def add_team(ctx: Context, team_id: str, district: str, capacity: int = 1) -> None:
    if capacity < 1:
        raise AdminError("capacity must be at least 1")
    with ctx.sessions.begin() as session:
        team = session.get(Team, team_id) or Team(id=team_id)
        team.district, team.capacity = district, capacity
        session.add(team)
    # A case waiting for a team gets the new one from the scheduler's next sweep.


def add_user(ctx: Context, name: str, role: str, *, school: str | None = None,
             district: str | None = None, team: str | None = None) -> str:
    """Create the user and return its API token (shown once; only its hash is stored)."""
    _check_user(role, school, team)
    token = secrets.token_urlsafe(32)
    with ctx.sessions.begin() as session:
        if session.get(User, name) is not None:
            raise AdminError(f"user '{name}' already exists")
        if school and session.get(School, school) is None:
            raise AdminError(f"school '{school}' is not registered: warn school add first")
        if team and session.get(Team, team) is None:
            raise AdminError(f"team '{team}' is not registered: warn team add first")
        session.add(User(name=name, role=role, school=school, district=district, team=team,
                         token_hash=hash_token(token), disabled=False, created_at=ctx.now()))
    return token


def _check_user(role: str, school: str | None, team: str | None) -> None:
    if role not in ROLES:
        raise AdminError(f"role must be one of {', '.join(ROLES)}")
    if role == "liaison" and not school:
        raise AdminError("a liaison needs --school")
    if role == "team" and not team:
        raise AdminError("a team user needs --team")


def disable_user(ctx: Context, name: str) -> None:
    """Revoke the user: its console sessions and, in this process, its API token stop
    working at once; other server processes refuse the token within their token trust
    (warn.service.tokens.TOKEN_TRUST_S)."""
    with ctx.sessions.begin() as session:
        user = session.get(User, name)
        if user is None:
            raise AdminError(f"no user named '{name}'")
        user.disabled = True
        # Its console sign-ins end with it, in the same transaction.
        session.execute(delete(WebSession).where(WebSession.user_name == name))
    forget_trusted_tokens()
