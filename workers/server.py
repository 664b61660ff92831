"""The application of `warn serve`: the API over this process's runtime. Each server
process (`--workers N`) builds its own; bulk signals of requests a few milliseconds apart
share one broker message."""

from fastapi import FastAPI

from warn.app import create_app
from workers.runtime import current


def create_server_app() -> FastAPI:
    # Embedded: the runtime `warn serve` installed, its worker threads beside it.
    runtime = current(coalesce=True)
    return create_app(lambda: runtime.ctx, hand_off=runtime.hand_off)
