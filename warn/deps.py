"""The FastAPI dependencies that the JSON API and the console share: the context a request
works with, and where the work it leaves goes. The app that serves them binds both."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from warn.service.context import Context
from warn.service.tokens import TokenCache
from warn.work import HandOff


def bind(app: FastAPI, get_context: Callable[[], Context], *, hand_off: HandOff,
         tokens: TokenCache | None = None) -> None:
    """Give `app` what its requests work with: the context that `get_context` returns
    (called per request), where work goes, and the cache that checks API tokens (one of its
    own unless given)."""
    app.state.get_context = get_context
    app.state.hand_off = hand_off
    app.state.tokens = tokens if tokens is not None else TokenCache()


def context_of(request: Request) -> Context:
    factory: Callable[[], Context] = request.app.state.get_context
    return factory()


def tokens_of(request: Request) -> TokenCache:
    tokens: TokenCache = request.app.state.tokens
    return tokens


async def get_context(request: Request) -> Context:
    # Dependencies without I/O are async: FastAPI runs sync ones on its thread pool, a
    # hop per dependency per request.
    return context_of(request)


Ctx = Annotated[Context, Depends(get_context)]


async def get_outbox(request: Request) -> HandOff:
    """Where a request's work goes (the runtime that built the app says)."""
    hand_off: HandOff = request.app.state.hand_off
    return hand_off


# What an action's use case left to be done is handed here before the request answers.
Outbox = Annotated[HandOff, Depends(get_outbox)]
