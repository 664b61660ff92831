"""Embedded mode: a Celery worker thread and a scheduler thread inside `warn serve`, over
kombu's in-memory transport. The very same tasks and sweep as the distributed processes."""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from celery.apps.worker import Worker

from workers.lanes import LANES
from workers.runtime import Runtime
from workers.scheduler import run_scheduler

log = logging.getLogger(__name__)


@dataclass
class EmbeddedRuntime:
    runtime: Runtime
    concurrency: int = 2
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _worker: Worker | None = None

    def start(self) -> None:
        from workers.app import celery_app

        self._worker = celery_app.WorkController(
            app=celery_app, pool="threads", concurrency=self.concurrency, loglevel="WARNING",
            queues=list(LANES), without_heartbeat=True, without_mingle=True,
            without_gossip=True)
        self._spawn("warn-worker", self._worker.start)
        self._spawn("warn-scheduler", lambda: run_scheduler(self.runtime, self._stop))
        log.info("embedded worker and scheduler started")

    def stop(self) -> None:
        self._stop.set()
        if self._worker is not None:
            self._worker.stop(in_sighandler=False)
        for thread in self._threads:
            thread.join(timeout=10)

    def _spawn(self, name: str, target: Callable[[], object]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)
