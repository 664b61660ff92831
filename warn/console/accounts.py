"""Console accounts: setting a password, lifting a sign-in throttle, and signing in.

Failed sign-ins are counted in `sign_in_throttle` under two keys, never under the account:
- the pair (client address, name): a guesser at one name from one address;
- the client address alone, for every name: one address trying many names.
A few failures are free; each further one makes its key wait longer (1 s, 2 s, 4 s … at
most 15 minutes), and quiet time forgives failures one by one. While a key waits, the
password is not even tried and the answer is "throttled" with the time to try again. No
key names an account, so a guesser elsewhere never holds back its owner, and a name that
does not exist is counted, delayed and answered exactly like one that does: nobody can
learn which names exist. `users.failed_logins` and `users.locked_until` (the account lockout
this replaced) are no longer read; a new password and `unlock` reset them, so rows from
before do not linger.

Keys are hashes, so the table holds no address or name. A pair key starts with a hash of
the name alone, which lets `unlock` and a new password find every pair of that name
whatever the client.

An attempt is charged to its keys before its password is checked, and refunded if the
password was right: guesses sent side by side each see the ones before them, so a burst
gets no more checks than the same guesses sent one by one.

Password hashing (scrypt) is slow on purpose, and it never runs inside a transaction: on
SQLite a write transaction holds the database's only write lock, and anyone on the sign-in
page could then hold back every warning by guessing passwords. Every failure and every
throttle is an audit row."""

import hashlib
import ipaddress
import json
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Delete

from warn.console.passwords import check_strength, hash_password, verify_password
from warn.service.context import Context
from warn.service.registration import AdminError
from warn.store.models import Audit, SignInThrottle, User, WebSession

# Feeds are machines: they keep their API tokens and never sign in to the console.
CONSOLE_ROLES = frozenset({"officer", "liaison", "team", "admin"})
FIRST_WAIT = timedelta(seconds=1)
MAX_WAIT = timedelta(minutes=15)
# A row nobody failed on for this long has been forgiven long since (see _Kind.counted).
STALE = timedelta(hours=24)
_SWEEP_EVERY = timedelta(minutes=10)


@dataclass(frozen=True)
class _Kind:
    name: Literal["pair", "client"]
    free: int  # failures before the first wait
    forgive: timedelta  # quiet time that forgives one failure

    @property
    def counted(self) -> int:
        # Past this the wait is at its cap anyway; the bound keeps forgiving within STALE.
        return self.free + 16


# One person mistyping: five tries, then short waits; a guesser settles at one try per
# quarter hour per name and address.
PAIR = _Kind("pair", free=5, forgive=timedelta(minutes=15))
# A duty room behind one address mistypes now and then, all of it on this key: it gets
# more free failures, forgiven faster. A guesser spraying names settles at about one try
# every five minutes per address.
CLIENT = _Kind("client", free=20, forgive=timedelta(minutes=5))


@dataclass(frozen=True)
class SignIn:
    status: Literal["ok", "refused", "throttled"]
    user: User | None = None
    retry_at: datetime | None = None  # when "throttled": the earliest time worth trying


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def name_prefix(name: str) -> str:
    """The first half of every pair key of `name`."""
    return _sha(f"name\0{name}")[:32]


def pair_key(client: str, name: str) -> str:
    return name_prefix(name) + _sha(f"pair\0{client}\0{name}")[:32]


def client_key(client: str) -> str:
    return _sha(f"client\0{client}")


def client_id(host: str | None) -> str:
    """The address a throttle counts against. An IPv6 host gets a whole /64 to itself, so
    one counts as one client: it could otherwise take a fresh address for every guess."""
    if not host:
        return "-"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:255]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def set_password(ctx: Context, name: str, password: str) -> None:
    """Set (or replace) the user's console password. Its console sessions end and its
    sign-in throttles are lifted in the same transaction: whoever knew the old password,
    or held a session opened with it, is out."""
    check_strength(password, name)
    hashed = hash_password(password)  # slow on purpose: outside the transaction
    now = ctx.now()
    with ctx.sessions.begin() as session:
        user = session.get(User, name)
        if user is None:
            raise AdminError(f"no user named '{name}'")
        if user.role not in CONSOLE_ROLES:
            raise AdminError(f"a {user.role} user signs in with its API token, not a password")
        user.password_hash, user.failed_logins, user.locked_until = hashed, 0, None
        ended = _deleted(session, delete(WebSession).where(WebSession.user_name == name))
        lifted = _lift(session, name, None)
        _audit(session, now, "warn-cli", "set_password", name, role=user.role,
               sessions_ended=ended, throttles_lifted=lifted)


def unlock(ctx: Context, name: str, client: str | None = None) -> int:
    """Lift every sign-in throttle on the name, from whatever client; with `client`, that
    client's own throttle too (when the owner shares an address with a guesser). Returns
    how many were lifted."""
    now = ctx.now()
    with ctx.sessions.begin() as session:
        user = session.get(User, name)
        if user is None:
            raise AdminError(f"no user named '{name}'")
        user.failed_logins, user.locked_until = 0, None
        lifted = _lift(session, name, client)
        _audit(session, now, "warn-cli", "sign_in_unlocked", name, client=client,
               throttles_lifted=lifted)
    return lifted


def _lift(session: Session, name: str, client: str | None) -> int:
    count = _deleted(session, delete(SignInThrottle)
                     .where(SignInThrottle.key.startswith(name_prefix(name))))
    if client is not None:
        count += _deleted(session, delete(SignInThrottle)
                          .where(SignInThrottle.key == client_key(client_id(client))))
    return count


def _deleted(session: Session, statement: Delete) -> int:
    result = session.execute(statement)
    return int(result.rowcount or 0) if isinstance(result, CursorResult) else 0


# A password replaced between its check and the recording of the outcome is checked again,
# this many times at most.
_ROUNDS = 3


@dataclass(frozen=True)
class _Charge:
    """One attempt counted against one key: the row before and after, to refund it."""

    key: str
    kind: _Kind
    before: tuple[int, datetime, datetime | None]
    after: tuple[int, datetime, datetime | None]


def sign_in(ctx: Context, name: str, password: str, *, client: str | None) -> SignIn:
    """Check a name and password from `client` (the peer's address). Known and unknown
    names take the same steps in the same order: a charge, a read, one scrypt, a write."""
    now = ctx.now()
    address = client_id(client)
    actor = name or "-"
    waiting = _still_waiting(ctx, now, name, address, actor, client)
    if waiting is not None:
        return SignIn("throttled", retry_at=waiting)
    admitted = _admit(ctx, now, name, address, actor, client)
    if isinstance(admitted, datetime):
        return SignIn("throttled", retry_at=admitted)
    for _ in range(_ROUNDS):
        seen = _console_account(ctx, name)
        checked = seen.password_hash if seen is not None else None
        matched = verify_password(password, checked)  # a dummy hash when there is none
        outcome = _settle(ctx, now, name, actor, checked, matched, admitted, client)
        if outcome is not None:
            return outcome
    with ctx.sessions.begin() as session:
        return _failure(session, now, actor, "password being replaced", admitted, client)


# The waits already written down in the audit, by key: a client that keeps trying while it
# waits is written down once per wait, not once per try. Each try would otherwise be a
# write transaction, and on SQLite a flood of them would hold the only write lock that
# every warning needs.
_told: dict[str, datetime] = {}
_told_lock = threading.Lock()
_TOLD_LIMIT = 10_000


def _first_telling(ctx: Context, keys: list[str], until: datetime) -> bool:
    """Whether this wait of these keys is not written down yet (and is now)."""
    key = "\0".join([str(id(ctx.engine)), *keys])  # per database this process writes to
    with _told_lock:
        if _told.get(key) == until:
            return False
        if len(_told) >= _TOLD_LIMIT:
            _told.clear()
        _told[key] = until
        return True


def _still_waiting(ctx: Context, now: datetime, name: str, address: str, actor: str,
                   client: str | None) -> datetime | None:
    """When a key of the attempt is still waiting: the time to try again, found by a read
    (no write lock); written down the first time in each wait."""
    kinds = {pair_key(address, name): PAIR, client_key(address): CLIENT}
    with ctx.reads() as session:
        rows = list(session.scalars(select(SignInThrottle).where(
            SignInThrottle.key.in_(sorted(kinds)))))
    waits = {kinds[row.key].name: row.wait_until for row in rows
             if row.wait_until is not None and row.wait_until > now}
    if not waits:
        return None
    until = max(waits.values())
    if _first_telling(ctx, sorted(kinds), until):
        with ctx.sessions.begin() as session:
            _audit(session, now, actor, "login_throttled", "console", client=client,
                   until=until, waiting=sorted(waits))
    return until


def _admit(ctx: Context, now: datetime, name: str, address: str, actor: str,
           client: str | None) -> list[_Charge] | datetime:
    """Charge the attempt to its keys, or the time to try again when a key still waits."""
    kinds = {pair_key(address, name): PAIR, client_key(address): CLIENT}
    with ctx.sessions.begin() as session:
        _sweep(session, now)
        rows = _locked_rows(session, sorted(kinds), now)
        waits: dict[str, datetime] = {}
        for key, row in rows.items():
            if row.wait_until is not None and row.wait_until > now:
                waits[kinds[key].name] = row.wait_until
        if waits:
            until = max(waits.values())
            if _first_telling(ctx, sorted(kinds), until):
                _audit(session, now, actor, "login_throttled", "console", client=client,
                       until=until, waiting=sorted(waits))
            return until
        charges = []
        for key, row in rows.items():
            kind = kinds[key]
            before = (row.failures, row.last_failed_at, row.wait_until)
            count = min(_forgiven(row, kind, now) + 1, kind.counted)
            row.failures, row.last_failed_at = count, now
            row.wait_until = now + _wait(count - kind.free) if count > kind.free else None
            charges.append(_Charge(key, kind, before, (count, now, row.wait_until)))
        return charges


def _locked_rows(session: Session, keys: list[str], now: datetime
                 ) -> dict[str, SignInThrottle]:
    """The keys' rows, made when missing, locked in key order (two attempts never wait for
    each other's locks in opposite orders)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(SignInThrottle).values(
        [{"key": key, "failures": 0, "last_failed_at": now, "wait_until": None}
         for key in keys]).on_conflict_do_nothing(index_elements=["key"]))
    found = session.scalars(select(SignInThrottle).where(SignInThrottle.key.in_(keys))
                            .order_by(SignInThrottle.key).with_for_update())
    return {row.key: row for row in found}


def _forgiven(row: SignInThrottle, kind: _Kind, now: datetime) -> int:
    """The row's failures less those its quiet time since the last one has forgiven."""
    quiet = max(now - row.last_failed_at, timedelta(0))
    return max(0, row.failures - int(quiet / kind.forgive))


def _wait(excess: int) -> timedelta:
    return min(FIRST_WAIT * (1 << (excess - 1)), MAX_WAIT)


_sweep_lock = threading.Lock()
_next_sweep: list[datetime] = []


def _sweep(session: Session, now: datetime) -> None:
    """Drop rows long forgiven, now and then: a guesser trying many names and addresses
    leaves a row per pair."""
    with _sweep_lock:
        if _next_sweep and _next_sweep[0] > now:
            return
        _next_sweep[:] = [now + _SWEEP_EVERY]
    session.execute(delete(SignInThrottle).where(SignInThrottle.last_failed_at < now - STALE))


def _console_account(ctx: Context, name: str) -> User | None:
    """The enabled console user of that name, read without taking the write lock."""
    if not name:
        return None
    with ctx.reads() as session:
        user = session.get(User, name)
    if user is None or user.disabled or user.role not in CONSOLE_ROLES:
        return None
    return user


def _settle(ctx: Context, now: datetime, name: str, actor: str, checked: str | None,
            matched: bool, charges: list[_Charge], client: str | None) -> SignIn | None:
    """Record a checked password's outcome; None when the hash it was checked against has
    been replaced since (its outcome says nothing about the password now)."""
    with ctx.sessions.begin() as session:
        user = session.get(User, name, with_for_update=True) if name else None
        usable = user is not None and not user.disabled and user.role in CONSOLE_ROLES
        if user is None or not usable:
            return _failure(session, now, actor, "unknown user", charges, client)
        if user.password_hash != checked:
            return None
        if not matched:
            return _failure(session, now, actor, "wrong password", charges, client)
        _refund(session, charges)
        return SignIn("ok", user=user)


def _refund(session: Session, charges: list[_Charge]) -> None:
    """A right password: the pair starts afresh, and the client gets back the failure it was
    charged, unless others have been charged since (then only the count goes back)."""
    for charge in charges:
        row = session.get(SignInThrottle, charge.key, with_for_update=True)
        if row is None:
            continue
        if charge.kind is PAIR or (charge.before[0] == 0 and _state(row) == charge.after):
            session.delete(row)
        elif _state(row) == charge.after:
            row.failures, row.last_failed_at, row.wait_until = charge.before
        else:
            row.failures = max(0, row.failures - 1)


def _state(row: SignInThrottle) -> tuple[int, datetime, datetime | None]:
    return row.failures, row.last_failed_at, row.wait_until


def _failure(session: Session, now: datetime, actor: str, reason: str,
             charges: list[_Charge], client: str | None) -> SignIn:
    counts = {charge.kind.name: charge.after[0] for charge in charges}
    _audit(session, now, actor, "login_failed", "console", reason=reason, client=client,
           failures=counts.get("pair"), client_failures=counts.get("client"))
    waits: list[datetime] = []
    for charge in charges:
        until = charge.after[2]
        if until is not None:
            waits.append(until)
            _audit(session, now, actor, "sign_in_delayed", "console", key=charge.kind.name,
                   failures=charge.after[0], until=until, client=client)
    return SignIn("throttled", retry_at=max(waits)) if waits else SignIn("refused")


def _audit(session: Session, at: datetime, actor: str, action: str, target: str,
           **detail: Any) -> None:
    text = json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True)
    session.add(Audit(at=at, actor=actor[:64], action=action, target=target, detail=text))
