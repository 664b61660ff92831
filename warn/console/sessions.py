"""Server-side console sessions: a random token in the cookie, its sha256 in `web_sessions`,
and a CSRF token per session that every form must carry back."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select

from warn.access.principal import Principal
from warn.service.context import Context
from warn.store.models import User, WebSession

COOKIE = "warn_session"
# A night shift and a margin: signing in again mid-shift is a cost we don't want to impose.
LIFETIME = timedelta(hours=12)
_MAX_TOKEN = 128


@dataclass(frozen=True)
class ConsoleUser:
    """Who is signed in, the CSRF token their forms carry, and their session's id."""

    principal: Principal
    csrf: str
    session_id: str

    @property
    def name(self) -> str:
        return self.principal.name

    @property
    def role(self) -> str:
        return self.principal.role


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(ctx: Context, user_name: str) -> str:
    """A new session for the user; returns the cookie token (only its hash is stored).
    The user's expired sessions are swept at the same time, so rows don't pile up."""
    token = secrets.token_urlsafe(32)
    now = ctx.now()
    with ctx.sessions.begin() as session:
        session.execute(delete(WebSession).where(WebSession.user_name == user_name,
                                                 WebSession.expires_at <= now))
        session.add(WebSession(id=_digest(token), user_name=user_name,
                               csrf_token=secrets.token_urlsafe(32), created_at=now,
                               expires_at=now + LIFETIME))
    return token


def session_user(ctx: Context, token: str | None) -> ConsoleUser | None:
    """The signed-in, enabled user behind a cookie token, or None."""
    if not token or len(token) > _MAX_TOKEN:
        return None
    digest = _digest(token)
    with ctx.reads() as session:
        found = session.execute(select(WebSession, User)
                                .join(User, User.name == WebSession.user_name)
                                .where(WebSession.id == digest)).one_or_none()
    if found is None:
        return None
    web, user = found
    if user.disabled or web.expires_at <= ctx.now() or not hmac.compare_digest(web.id, digest):
        return None
    principal = Principal(name=user.name, role=user.role, school=user.school,
                          district=user.district, team=user.team)
    return ConsoleUser(principal=principal, csrf=web.csrf_token, session_id=web.id)


def end_session(ctx: Context, session_id: str) -> None:
    with ctx.sessions.begin() as session:
        session.execute(delete(WebSession).where(WebSession.id == session_id))


def csrf_matches(user: ConsoleUser, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(user.csrf.encode(), str(sent).encode())

