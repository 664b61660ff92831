"""Registering schools, teams and users (the `warn school/team/user` commands)."""

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import delete, select

from warn.service.context import Context
from warn.store.models import School, Team, User, WebSession

ROLES = ("feed", "officer", "liaison", "team", "admin")


class AdminError(ValueError):
    """A registration that cannot be made as asked; the message says why."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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
    ctx.dispatcher.assign_teams()


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
    working at once; other server processes refuse the token within TOKEN_TRUST_S."""
    with ctx.sessions.begin() as session:
        user = session.get(User, name)
        if user is None:
            raise AdminError(f"no user named '{name}'")
        user.disabled = True
        # Its console sign-ins end with it, in the same transaction.
        session.execute(delete(WebSession).where(WebSession.user_name == name))
    _trusted.clear()


@dataclass(frozen=True)
class TokenHolder:
    """Who holds an API token: what a request is allowed by."""

    name: str
    role: str
    school: str | None
    district: str | None
    team: str | None


# Every request checks its token, and a database round trip with its pooled connection
# costs more than the rest of a small request's work. So a token that checked out is
# trusted for TOKEN_TRUST_S. Disabling a user forgets its tokens at once in this process;
# other processes (servers, while `warn user disable` runs elsewhere) within that time.
TOKEN_TRUST_S = 1.0
_trusted: dict[str, tuple[float, TokenHolder]] = {}


def trusted_holder(token: str) -> TokenHolder | None:
    """The holder of a token that checked out less than TOKEN_TRUST_S ago, if any."""
    kept = _trusted.get(hash_token(token))
    if kept is not None and time.monotonic() - kept[0] < TOKEN_TRUST_S:
        return kept[1]
    return None


def user_for_token(ctx: Context, token: str) -> TokenHolder | None:
    """The enabled user holding this token. The lookup is by hash, and the stored hash is
    compared again in constant time so that timing tells nothing about near misses."""
    trusted = trusted_holder(token)
    if trusted is not None:
        return trusted
    digest = hash_token(token)
    with ctx.sessions() as session:
        user = session.scalars(select(User).where(User.token_hash == digest)).one_or_none()
    if user is None or user.disabled or not hmac.compare_digest(user.token_hash, digest):
        _trusted.pop(digest, None)
        return None
    holder = TokenHolder(user.name, user.role, user.school, user.district, user.team)
    if len(_trusted) > 10_000:  # tokens are few; this only bounds a flood of valid ones
        _trusted.clear()
    _trusted[digest] = (time.monotonic(), holder)
    return holder
