"""Registering districts, schools, teams and users (the `warn district/school/team/user`
commands)."""

import difflib
import re
import secrets

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from warn.domain.signals import is_plain
from warn.service.context import Context
from warn.service.places import canonical_district
from warn.service.tokens import forget_trusted_tokens, hash_token
from warn.store.models import District, School, Team, User, WebSession

ROLES = ("feed", "officer", "liaison", "team", "admin")


class AdminError(ValueError):
    """A registration that cannot be made as asked; the message says why."""


def add_district(ctx: Context, district_id: str, name: str) -> str:
    """Register a district (or rename it); returns its id as registered."""
    canonical = _district_id(district_id)
    if not name.strip():
        raise AdminError("a district needs a --name")
    with ctx.sessions.begin() as session:
        district = session.get(District, canonical) or District(id=canonical)
        district.name = name.strip()
        session.add(district)
    return canonical


def add_school(ctx: Context, school_id: str, name: str, district: str) -> str:
    """Register a school (or update it), and its district when that is new; returns the
    district as registered."""
    _check_id("school", school_id)
    with ctx.sessions.begin() as session:
        canonical = _district_named(session, district)
        school = session.get(School, school_id) or School(id=school_id)
        school.name, school.district = name, canonical
        session.add(school)
    return canonical


def add_team(ctx: Context, team_id: str, district: str, capacity: int = 1) -> str:
    """Register a mobile team (or update it), and its district when that is new."""
    _check_id("team", team_id)
    if capacity < 1:
        raise AdminError("capacity must be at least 1")
    with ctx.sessions.begin() as session:
        canonical = _district_named(session, district)
        team = session.get(Team, team_id) or Team(id=team_id)
        team.district, team.capacity = canonical, capacity
        session.add(team)
    # A case waiting for a team gets the new one from the scheduler's next sweep.
    return canonical


def add_user(ctx: Context, name: str, role: str, *, school: str | None = None,
             district: str | None = None, team: str | None = None) -> str:
    """Create the user and return its API token (shown once; only its hash is stored).
    A district, school or team that is not registered is refused: a typo would otherwise
    make an officer whose queue stays empty."""
    _check_id("user", name)
    _check_user(role, school, team)
    token = secrets.token_urlsafe(32)
    with ctx.sessions.begin() as session:
        if session.get(User, name) is not None:
            raise AdminError(f"user '{name}' already exists")
        if school and session.get(School, school) is None:
            raise AdminError(f"school '{school}' is not registered: warn school add first")
        if team and session.get(Team, team) is None:
            raise AdminError(f"team '{team}' is not registered: warn team add first")
        canonical = None
        if district is not None:
            canonical = _district_id(district)
            if session.get(District, canonical) is None:
                raise AdminError(f"district '{district}' is not registered"
                                 f"{_near(session, canonical)}: warn district add first")
        session.add(User(name=name, role=role, school=school, district=canonical, team=team,
                         token_hash=hash_token(token), disabled=False, created_at=ctx.now()))
    return token


def _district_id(district: str) -> str:
    canonical = canonical_district(district)
    _check_id("district", canonical)
    return canonical


def _district_named(session: Session, district: str) -> str:
    """The registered district of that name, registered now (named after its id) if new."""
    canonical = _district_id(district)
    if session.get(District, canonical) is None:
        session.add(District(id=canonical, name=district.strip()))
        session.flush()
    return canonical


def _near(session: Session, wanted: str) -> str:
    """`; did you mean 'wanzhou'?` for a registered district a typo away."""
    known = list(session.scalars(select(District.id)))
    close = difflib.get_close_matches(wanted, known, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


# Ids are typed by operators, shown in pages and URLs, and matched exactly.
_ID = re.compile(r"^[^\s/\\]{1,64}$")


def _check_id(kind: str, value: str) -> None:
    if not _ID.match(value) or not is_plain(value):
        raise AdminError(f"a {kind} id is 1 to 64 characters, without spaces, slashes, "
                         "control, bidi or invisible characters")


def _check_user(role: str, school: str | None, team: str | None) -> None:
    if role not in ROLES:
        raise AdminError(f"role must be one of {', '.join(ROLES)}")
    if role == "liaison" and not school:
        raise AdminError("a liaison needs --school")
    if role == "team" and not team:
        raise AdminError("a team user needs --team")


def disable_user(ctx: Context, name: str, *, trust_s: float | None = None) -> None:
    """Revoke the user: its console sessions and, in this process, its API token stop
    working at once. Other server processes may still trust the token for their token
    trust (warn.service.tokens.TOKEN_TRUST_S, or `trust_s` when they were given a shorter
    one), so this returns only once that has run out after the commit: from then on no
    running server accepts the token (CONTRACT §1)."""
    import time

    from warn.service.tokens import wait_out_trust

    with ctx.sessions.begin() as session:
        user = session.get(User, name)
        if user is None:
            raise AdminError(f"no user named '{name}'")
        user.disabled = True
        # Its console sign-ins end with it, in the same transaction.
        session.execute(delete(WebSession).where(WebSession.user_name == name))
    committed_at = time.monotonic()
    forget_trusted_tokens()
    wait_out_trust(committed_at, trust_s)


def listing(ctx: Context, kind: str) -> tuple[list[str], list[list[str]]]:
    """The columns and rows of `warn district|school|team|user list`. Token and password
    hashes are never listed."""
    with ctx.reads() as session:
        if kind == "district":
            counts = [_per_district(session, model) for model in (School, Team, User)]
            return (["id", "name", "schools", "teams", "users"],
                    [[d.id, d.name, *(str(count.get(d.id, 0)) for count in counts)]
                     for d in session.scalars(select(District).order_by(District.id))])
        if kind == "school":
            return (["id", "name", "district"],
                    [[s.id, s.name, s.district]
                     for s in session.scalars(select(School).order_by(School.id))])
        if kind == "team":
            return (["id", "district", "capacity"],
                    [[t.id, t.district, str(t.capacity)]
                     for t in session.scalars(select(Team).order_by(Team.id))])
        if kind == "user":
            return (["name", "role", "district", "school", "team", "state"],
                    [[u.name, u.role, u.district or "", u.school or "", u.team or "",
                      "disabled" if u.disabled else "enabled"]
                     for u in session.scalars(select(User).order_by(User.name))])
    raise AdminError(f"nothing to list called {kind!r}")


def _per_district(session: Session, model: type[School] | type[Team] | type[User]
                  ) -> dict[str, int]:
    """How many rows of `model` each district has, in one query."""
    found = session.execute(select(model.district, func.count()).where(
        model.district.is_not(None)).group_by(model.district))
    return {district: count for district, count in found}
