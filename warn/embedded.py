"""Embedded mode: a Celery worker thread and a scheduler thread inside `warn serve`, over
kombu's in-memory transport. The very same tasks and sweeper as the distributed processes."""

import logging
import threading
from dataclasses import dataclass, field

from celery.apps.worker import Worker

from warn.service.context import Context
from warn.service.sweeper import Sweeper

log = logging.getLogger(__name__)


@dataclass
class EmbeddedRuntime:
    ctx: Context
    concurrency: int = 2
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _worker: Worker | None = None

    def start(self) -> None:
        from workers.app import celery_app

        self._worker = celery_app.WorkController(
            app=celery_app, pool="threads", concurrency=self.concurrency, loglevel="WARNING",
            without_heartbeat=True, without_mingle=True, without_gossip=True)
        self._spawn("warn-worker", self._worker.start)
        self._spawn("warn-scheduler", lambda: Sweeper(self.ctx).run(self._stop))
        log.info("embedded worker and scheduler started")

    def stop(self) -> None:
        self._stop.set()
        if self._worker is not None:
            self._worker.stop(in_sighandler=False)
        for thread in self._threads:
            thread.join(timeout=10)

    def _spawn(self, name: str, target: object) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)
