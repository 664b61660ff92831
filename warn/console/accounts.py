"""Console accounts: setting a password, and signing in with a lockout after repeated
failures. Every failure and every lockout is an audit row, written in the same transaction
as the counter it changes."""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.orm import Session

from warn.console.passwords import check_strength, hash_password, verify_password
from warn.service.context import Context
from warn.service.directory_admin import AdminError
from warn.store.models import Audit, User

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
# Feeds are machines: they keep their API tokens and never sign in to the console.
CONSOLE_ROLES = frozenset({"officer", "liaison", "team", "admin"})


@dataclass(frozen=True)
class SignIn:
    status: Literal["ok", "refused", "locked"]
    user: User | None = None
    locked_until: datetime | None = None


def set_password(ctx: Context, name: str, password: str) -> None:
    """Set (or replace) the user's console password; this also lifts a lockout."""
    check_strength(password)
    hashed = hash_password(password)  # slow on purpose: outside the transaction
    with ctx.sessions.begin() as session:
        user = session.get(User, name)
        if user is None:
            raise AdminError(f"no user named '{name}'")
        if user.role not in CONSOLE_ROLES:
            raise AdminError(f"a {user.role} user signs in with its API token, not a password")
        user.password_hash, user.failed_logins, user.locked_until = hashed, 0, None
        _audit(session, ctx.now(), "warn-cli", "set_password", name, role=user.role)


def sign_in(ctx: Context, name: str, password: str, *, client: str | None) -> SignIn:
    """Check a name and password. While the account is locked the password is not even
    tried, so a guesser learns nothing until the lock ends."""
    now = ctx.now()
    with ctx.sessions.begin() as session:
        user = session.get(User, name, with_for_update=True) if name else None
        if user is None or user.disabled or user.role not in CONSOLE_ROLES:
            verify_password(password, None)  # same cost as a real check
            _audit(session, now, name or "-", "login_failed", "console", reason="unknown user",
                   client=client)
            return SignIn("refused")
        if user.locked_until is not None and user.locked_until > now:
            _audit(session, now, name, "login_locked", "console", client=client,
                   until=user.locked_until)
            return SignIn("locked", locked_until=user.locked_until)
        if not verify_password(password, user.password_hash):
            return _failure(session, user, now, client)
        user.failed_logins, user.locked_until = 0, None
        return SignIn("ok", user=user)


def _failure(session: Session, user: User, now: datetime, client: str | None) -> SignIn:
    user.failed_logins = (user.failed_logins or 0) + 1
    _audit(session, now, user.name, "login_failed", "console", reason="wrong password",
           failures=user.failed_logins, client=client)
    if user.failed_logins < MAX_FAILURES:
        return SignIn("refused")
    user.failed_logins, user.locked_until = 0, now + LOCKOUT
    _audit(session, now, user.name, "account_locked", "console", until=user.locked_until,
           client=client)
    return SignIn("locked", locked_until=user.locked_until)


def _audit(session: Session, at: datetime, actor: str, action: str, target: str,
           **detail: Any) -> None:
    text = json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True)
    session.add(Audit(at=at, actor=actor[:64], action=action, target=target, detail=text))
