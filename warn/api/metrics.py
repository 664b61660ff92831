"""Prometheus metrics: counters kept by this process, and gauges read from the database at
each scrape (so that every process reports the same, true figures)."""

import time
from collections.abc import Callable, Iterator

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warn.access.reads import FLAG_COLUMNS as FLAGS
from warn.service.context import Context
from warn.store.models import CaseRow, Delivery, Timer

TIERS = ("low", "medium", "high")


class Metrics:
    """One registry per app, so that several apps in one process (tests) never collide."""

    def __init__(self, get_context: Callable[[], Context]):
        self.registry = CollectorRegistry()
        self.signals = Counter("warn_signals", "Signals received by POST /v1/signals",
                               ["result"], registry=self.registry)
        self.requests = Counter("warn_http_requests", "HTTP requests answered",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("warn_http_request_duration_seconds",
                                 "Time to answer HTTP requests", ["method", "route"],
                                 registry=self.registry)
        for result in ("accepted", "duplicate", "rejected"):
            self.signals.labels(result)
        self.registry.register(StoreCollector(get_context))


def metrics_of(app: FastAPI) -> Metrics:
    metrics: Metrics = app.state.metrics
    return metrics


class StoreCollector(Collector):
    """Gauges counted in the database when Prometheus scrapes."""

    def __init__(self, get_context: Callable[[], Context]):
        self._get_context = get_context

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("warn_store_up", "1 when the database answered this scrape")
        try:
            families = self._read(self._get_context())
        except SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _read(self, ctx: Context) -> list[Metric]:
        open_cases = GaugeMetricFamily("warn_open_cases", "Open cases by tier", labels=["tier"])
        flagged = GaugeMetricFamily("warn_flagged_cases", "Open cases carrying each flag",
                                    labels=["flag"])
        with ctx.reads() as session:
            by_tier = dict(session.execute(select(CaseRow.tier, func.count())
                                           .where(CaseRow.state == "open")
                                           .group_by(CaseRow.tier)).all())
            flag_counts = session.execute(select(*[
                func.count().filter(column.is_(True)) for column in FLAGS.values()
            ]).where(CaseRow.state == "open")).one()
            queued = session.scalar(select(func.count()).select_from(Delivery)
                                    .where(Delivery.state == "queued")) or 0
            timers = session.scalar(select(func.count()).select_from(Timer)
                                    .where(Timer.status == "pending")) or 0
        for tier in TIERS:
            open_cases.add_metric([tier], by_tier.get(tier, 0))
        for flag, count in zip(FLAGS, flag_counts, strict=True):
            flagged.add_metric([flag], count or 0)
        return [open_cases, flagged,
                GaugeMetricFamily("warn_deliveries_queued", "Deliveries not yet sent",
                                  value=queued),
                GaugeMetricFamily("warn_timers_pending", "Timers waiting to fire", value=timers)]


class RequestMetrics:
    """ASGI middleware counting answers by route template (never by raw path) and status."""

    def __init__(self, app: ASGIApp, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope.get("method", "")
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
