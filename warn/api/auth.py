"""Who is asking: `Authorization: Bearer <token>` → the enabled user holding that token."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from warn.api.errors import ApiError, forbidden
from warn.service.context import Context
from warn.service.tokens import TokenCache
from warn.work import HandOff

_bearer = HTTPBearer(auto_error=False, description="the API token printed by `warn user add`")
_MAX_TOKEN = 512


@dataclass(frozen=True)
class Principal:
    name: str
    role: str  # feed|officer|liaison|team|admin
    school: str | None = None
    district: str | None = None
    team: str | None = None


async def get_context(request: Request) -> Context:
    # Dependencies without I/O are async: FastAPI runs sync ones on its thread pool, a
    # hop per dependency per request.
    factory: Callable[[], Context] = request.app.state.get_context
    return factory()


Ctx = Annotated[Context, Depends(get_context)]


async def get_outbox(request: Request) -> HandOff:
    """Where a request's work goes (the runtime that built the app says)."""
    hand_off: HandOff = request.app.state.hand_off
    return hand_off


# What an action's use case left to be done is handed here before the request answers.
Outbox = Annotated[HandOff, Depends(get_outbox)]


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


async def current_user(request: Request, ctx: Ctx,
                       credentials: Annotated[HTTPAuthorizationCredentials | None,
                                              Depends(_bearer)]) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("send Authorization: Bearer <token>")
    token = credentials.credentials.strip()
    if not token or len(token) > _MAX_TOKEN:
        raise _unauthorized("unknown or revoked token")
    # A token checked a moment ago needs no database, nor a hop to the thread pool.
    tokens: TokenCache = request.app.state.tokens
    user = tokens.trusted(token) or await run_in_threadpool(tokens.holder, ctx, token)
    if user is None:
        raise _unauthorized("unknown or revoked token")
    return Principal(name=user.name, role=user.role, school=user.school,
                     district=user.district, team=user.team)


User = Annotated[Principal, Depends(current_user)]


def require(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets only these roles through (403 for the others)."""

    async def check(user: User) -> Principal:
        if user.role not in roles:
            raise forbidden(f"a {user.role} user may not do this")
        return user

    return check


CaseReader = Annotated[Principal, Depends(require("officer", "liaison", "team", "admin"))]
SignalReader = Annotated[Principal, Depends(require("feed", "officer", "admin"))]
