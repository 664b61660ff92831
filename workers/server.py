"""The application of `warn serve`: the API over this process's runtime. Each server
process (`--workers N`) builds its own; bulk signals of requests a few milliseconds apart
share one broker message."""

from fastapi import FastAPI

from warn.api.app import create_app
from warn.config import settings_from_env
from workers import runtime


def create_server_app() -> FastAPI:
    current = runtime._current or runtime.install(
        runtime.build(settings_from_env(), coalesce=True))
    return create_app(lambda: current.ctx, hand_off=current.hand_off)
