"""Console accounts: setting a password, and signing in with a lockout after repeated
failures. Every failure and every lockout is an audit row, written in the same transaction
as the counter it changes.

Password hashing (scrypt) is slow on purpose, and it never runs inside a transaction: on
SQLite a write transaction holds the database's only write lock, and anyone on the sign-in
page could then hold back every warning by guessing passwords."""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.orm import Session

from warn.console.passwords import check_strength, hash_password, verify_password
from warn.service.context import Context
from warn.service.registration import AdminError
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


# A password replaced between its check and the recording of the outcome is checked again,
# this many times at most.
_ROUNDS = 3


def sign_in(ctx: Context, name: str, password: str, *, client: str | None) -> SignIn:
    """Check a name and password. While the account is locked the password is not even
    tried, so a guesser learns nothing until the lock ends.

    The account is read, the password checked with no transaction open, and the outcome
    then recorded in a short write transaction on the account as it is by then: guesses
    that ran side by side all count, and one that ends after another one locked the
    account answers "locked", whatever its password."""
    for _ in range(_ROUNDS):
        now = ctx.now()
        seen = _console_account(ctx, name)
        if seen is None:
            verify_password(password, None)  # same cost as a real check
            _record(ctx, now, name or "-", "login_failed", reason="unknown user",
                    client=client)
            return SignIn("refused")
        if _locked(seen, now):
            _record(ctx, now, name, "login_locked", client=client, until=seen.locked_until)
            return SignIn("locked", locked_until=seen.locked_until)
        matched = verify_password(password, seen.password_hash)
        outcome = _settle(ctx, name, seen.password_hash, matched, now, client)
        if outcome is not None:
            return outcome
    _record(ctx, ctx.now(), name, "login_failed", reason="password being replaced",
            client=client)
    return SignIn("refused")


def _console_account(ctx: Context, name: str) -> User | None:
    """The enabled console user of that name, read without taking the write lock."""
    if not name:
        return None
    with ctx.reads() as session:
        user = session.get(User, name)
    if user is None or user.disabled or user.role not in CONSOLE_ROLES:
        return None
    return user


def _locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def _settle(ctx: Context, name: str, checked: str | None, matched: bool, now: datetime,
            client: str | None) -> SignIn | None:
    """Record a checked password's outcome; None when the hash it was checked against has
    been replaced since (its outcome says nothing about the password now)."""
    with ctx.sessions.begin() as session:
        user = session.get(User, name, with_for_update=True)
        if user is None or user.disabled or user.role not in CONSOLE_ROLES:
            _audit(session, now, name, "login_failed", "console", reason="unknown user",
                   client=client)
            return SignIn("refused")
        if user.password_hash != checked:
            return None
        if _locked(user, now):
            _audit(session, now, name, "login_locked", "console", client=client,
                   until=user.locked_until)
            return SignIn("locked", locked_until=user.locked_until)
        if not matched:
            return _failure(session, user, now, client)
        user.failed_logins, user.locked_until = 0, None
        return SignIn("ok", user=user)


def _record(ctx: Context, at: datetime, actor: str, action: str, **detail: Any) -> None:
    """One audit row about a sign-in that changes no account, in its own short transaction."""
    with ctx.sessions.begin() as session:
        _audit(session, at, actor, action, "console", **detail)


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
