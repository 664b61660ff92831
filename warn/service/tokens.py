"""API tokens: who holds one, and a short trust in tokens that checked out.

Every request checks its token, and a database round trip with its pooled connection
costs more than the rest of a small request's work. So a token that checked out is
trusted for `TokenCache.trust_s` (TOKEN_TRUST_S unless given). Disabling a user forgets
every token at once in this process; other processes (servers, while `warn user disable`
runs elsewhere) refuse it once their trust has run out.
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

    def __init__(self, trust_s: float = TOKEN_TRUST_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.trust_s = trust_s
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
        with ctx.reads() as session:  # only reads: on SQLite, no write lock per request
            user = session.scalars(select(User).where(User.token_hash == digest)).one_or_none()
        if user is None or user.disabled or not hmac.compare_digest(user.token_hash, digest):
            self._trusted.pop(digest, None)
            return None
        holder = TokenHolder(user.name, user.role, user.school, user.district, user.team)
        if len(self._trusted) > _MAX_TRUSTED:
            self._trusted.clear()
        self._trusted[digest] = (self.clock(), holder)
        return holder

    def forget(self) -> None:
        self._trusted.clear()


def forget_trusted_tokens() -> None:
    """Stop trusting any token in this process: the next request of each is checked again.
    Called when a user is disabled, which is rare enough not to pick out its tokens."""
    for cache in list(_caches):
        cache.forget()
