"""Who is asking the API: `Authorization: Bearer <token>` → the enabled user holding that
token, and the role gates of its endpoints."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from warn.access.errors import AccessError, forbidden
from warn.access.principal import Principal
from warn.deps import Ctx, context_of, tokens_of

_bearer = HTTPBearer(auto_error=False, description="the API token printed by `warn user add`")
_MAX_TOKEN = 512


def _unauthorized(message: str) -> AccessError:
    return AccessError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


async def current_user(request: Request, ctx: Ctx,
                       credentials: Annotated[HTTPAuthorizationCredentials | None,
                                              Depends(_bearer)]) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("send Authorization: Bearer <token>")
    token = credentials.credentials.strip()
    if not token or len(token) > _MAX_TOKEN:
        raise _unauthorized("unknown or revoked token")
    # A token checked a moment ago needs no database, nor a hop to the thread pool.
    tokens = tokens_of(request)
    user = tokens.trusted(token) or await run_in_threadpool(tokens.holder, ctx, token)
    if user is None:
        raise _unauthorized("unknown or revoked token")
    return Principal(name=user.name, role=user.role, school=user.school,
                     district=user.district, team=user.team)


User = Annotated[Principal, Depends(current_user)]


async def authorised(request: Request, *roles: str) -> Principal:
    """`current_user` and `require(*roles)` called directly, with the same checks and the
    same answers: FastAPI's dependency solving cost more than the rest of a small
    `POST /v1/signals`, the one endpoint that takes every signal."""
    user = await current_user(request, context_of(request), await _bearer(request))
    if user.role not in roles:
        raise forbidden(f"a {user.role} user may not do this")
    return user


def require(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets only these roles through (403 for the others)."""

    async def check(user: User) -> Principal:
        if user.role not in roles:
            raise forbidden(f"a {user.role} user may not do this")
        return user

    return check


CaseReader = Annotated[Principal, Depends(require("officer", "liaison", "team", "admin"))]
SignalReader = Annotated[Principal, Depends(require("feed", "officer", "admin"))]
