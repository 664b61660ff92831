"""The JSON API on its own: /v1 under one error shape, the operations endpoints, security
headers and request metrics on every answer (whatever else is mounted on the app)."""

from collections.abc import Callable

from fastapi import FastAPI

from warn.api import cases, deliveries, ops, signals
from warn.api.errors import install_error_handlers
from warn.api.headers import SecurityHeaders
from warn.api.ingest_queue import IngestQueue
from warn.api.metrics import Metrics, RequestMetrics
from warn.deps import bind
from warn.service.context import Context
from warn.service.tokens import TokenCache
from warn.work import HandOff

DESCRIPTION = """Early-warning dispatch for police anti-fraud centres.

Every `/v1` request carries `Authorization: Bearer <token>` (from `warn user add`).
Errors answer `{"error": {"code", "message", "field"}}`. Times are RFC 3339, in UTC."""


def create_api(get_context: Callable[[], Context], tokens: TokenCache | None = None, *,
               hand_off: HandOff) -> FastAPI:
    """The API over the context that `get_context` returns (called per request); `tokens`
    checks API tokens (a cache of its own unless given); `hand_off` takes the work that
    requests leave (signals to process, deliveries to send)."""
    app = FastAPI(title="warn", version="0.1.0", description=DESCRIPTION)
    bind(app, get_context, hand_off=hand_off, tokens=tokens)
    app.state.metrics = Metrics(get_context)
    app.state.ingest_queue = IngestQueue(get_context, hand_off)
    install_error_handlers(app)
    for module in (signals, cases, deliveries, ops):
        app.include_router(module.router)
    app.add_middleware(RequestMetrics, metrics=app.state.metrics)
    app.add_middleware(SecurityHeaders)  # last added, outermost: on every answer
    return app
