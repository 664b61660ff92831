"""API tokens: who holds one, and a short trust in tokens that checked out.

Every request checks its token, and a database round trip with its pooled connection
costs more than the rest of a small request's work. So a token that checked out is
trusted for `TokenCache.trust_s` (TOKEN_TRUST_S unless given). Disabling a user forgets
every token at once in this process; other processes (servers, while `warn user disable`
runs elsewhere) refuse it once their trust has run out, and `warn user disable` waits that
long before it returns (`wait_out_trust`), so that once it has returned no server accepts
the token (CONTRACT §1).

A trust is counted from the moment the lookup began, not from its answer: a lookup that
saw the user still enabled began before the disabling commit, so its trust ends less than
TOKEN_TRUST_S after that commit, however long the lookup itself took.
"""

import hashlib
import hmac
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from warn.service.context import Context
from warn.store.models import User

TOKEN_TRUST_S = 1.0
# Tokens are few; this only bounds the memory a flood of valid ones could take.
_MAX_TRUSTED = 10_000


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenHolder:
    """Who holds an API token: what a request is allowed by."""

    name: str
    role: str
    school: str | None
    district: str | None
    team: str | None


# Every cache of this process, so that disabling a user reaches each app's cache without
# knowing the apps; weak, so that a cache goes with the app that held it.
_caches: weakref.WeakSet["TokenCache"] = weakref.WeakSet()


class TokenCache:
    """Looks tokens up in the database, and trusts one that checked out for `trust_s`
    seconds of `clock` (a monotonic clock: tests give a hand-moved one)."""

    def __init__(self, trust_s: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.trust_s = TOKEN_TRUST_S if trust_s is None else trust_s
        self.clock = clock
        self._trusted: dict[str, tuple[float, TokenHolder]] = {}
        _caches.add(self)

    def trusted(self, token: str) -> TokenHolder | None:
        """The holder of a token that checked out less than `trust_s` ago, if any: no
        database, so a request can ask before it hops to a thread."""
        kept = self._trusted.get(hash_token(token))
        if kept is not None and self.clock() - kept[0] < self.trust_s:
            return kept[1]
        return None

    def holder(self, ctx: Context, token: str) -> TokenHolder | None:
        """The enabled user holding this token. The lookup is by hash, and the stored hash
        is compared again in constant time so that timing tells nothing about near misses."""
        trusted = self.trusted(token)
        if trusted is not None:
            return trusted
        digest = hash_token(token)
        asked_at = self.clock()
        with ctx.reads() as session:  # only reads: on SQLite, no write lock per request
            user = session.scalars(select(User).where(User.token_hash == digest)).one_or_none()
        if user is None or user.disabled or not hmac.compare_digest(user.token_hash, digest):
            self._trusted.pop(digest, None)
            return None
        holder = TokenHolder(user.name, user.role, user.school, user.district, user.team)
        if len(self._trusted) > _MAX_TRUSTED:
            self._trusted.clear()
        self._trusted[digest] = (asked_at, holder)
        return holder

    def forget(self) -> None:
        self._trusted.clear()


def forget_trusted_tokens() -> None:
    """Stop trusting any token in this process: the next request of each is checked again.
    Called when a user is disabled, which is rare enough not to pick out its tokens."""
    for cache in list(_caches):
        cache.forget()


def wait_out_trust(committed_at: float, trust_s: float | None = None) -> None:
    """Sleep until a trust that any server process took before a commit made at
    `committed_at` (time.monotonic) has run out: `trust_s` seconds after it, TOKEN_TRUST_S
    unless given (a test whose servers trust for less gives theirs)."""
    wait = (TOKEN_TRUST_S if trust_s is None else trust_s) - (time.monotonic() - committed_at)
    if wait > 0:
        time.sleep(wait)
