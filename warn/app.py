"""The application `warn serve` runs: the JSON API and the web console in one FastAPI app,
over one context, one token cache and one hand-off for the work requests leave."""

from collections.abc import Callable

from fastapi import FastAPI

from warn.api.app import create_api
from warn.console import install_console
from warn.service.context import Context
from warn.service.tokens import TokenCache
from warn.work import HandOff


def create_app(get_context: Callable[[], Context], tokens: TokenCache | None = None, *,
               hand_off: HandOff) -> FastAPI:
    """The API and the console over the context that `get_context` returns (called per
    request); `tokens` checks API tokens (a cache of its own unless given); `hand_off` takes
    the work that requests leave (signals to process, deliveries to send)."""
    app = create_api(get_context, tokens, hand_off=hand_off)
    install_console(app)
    return app
