"""Operations: `GET /healthz` (no auth) and `GET /metrics` (Prometheus text)."""

import asyncio
import threading
import weakref
from concurrent.futures import Future

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine

from warn.api.metrics import metrics_of
from warn.deps import Ctx
from warn.store.db import probe

router = APIRouter(tags=["operations"])

# CONTRACT §6: /healthz answers within 1 s. This leaves the rest of the second for the
# request around the probe.
HEALTH_BUDGET_S = 0.8


class _Probes:
    """At most one probe per store in flight. While the store hangs, requests join the
    probe already waiting on it rather than each leaving a thread stuck behind it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: weakref.WeakKeyDictionary[Engine, Future[None]] = \
            weakref.WeakKeyDictionary()

    def start(self, engine: Engine) -> Future[None]:
        with self._lock:
            running = self._running.get(engine)
            if running is not None and not running.done():
                return running
            future: Future[None] = Future()
            # Running from the start: a waiter that gives up cancels its own wait, not this.
            future.set_running_or_notify_cancel()
            self._running[engine] = future
        threading.Thread(target=_run_probe, args=(engine, future), name="warn-healthz",
                         daemon=True).start()
        return future


def _run_probe(engine: Engine, future: Future[None]) -> None:
    try:
        probe(engine, HEALTH_BUDGET_S)
    except Exception as error:  # whatever the store or its driver raised, it is not up
        future.set_exception(error)
    else:
        future.set_result(None)


_probes = _Probes()


@router.get("/healthz", responses={503: {"description": "the database does not answer"}})
async def healthz(ctx: Ctx) -> JSONResponse:
    """200 when the database answers within 0.8 s (on SQLite: a write could begin), else
    503. Async, so that waiting for a store that hangs holds no thread of the pool."""
    try:
        await asyncio.wait_for(asyncio.wrap_future(_probes.start(ctx.engine)),
                               HEALTH_BUDGET_S)
    except TimeoutError:
        return _unavailable("timeout")
    except Exception as error:
        return _unavailable(error.__class__.__name__)
    return JSONResponse({"status": "ok"})


def _unavailable(why: str) -> JSONResponse:
    return JSONResponse({"status": "unavailable", "store": why}, status_code=503)


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}})
def metrics(request: Request) -> Response:
    """Counters of this process, and gauges counted in the database at this scrape."""
    registry = metrics_of(request.app).registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
