"""Publishing work to the Celery workers, coalesced.

Celery moves a few hundred messages a second on a small machine, and each message costs a
worker a transaction of its own, so one message per signal would cap the whole system far
below its load. Ids handed over close together travel in one message instead, and the
workers handle a message's ids as one batch: a publisher sends at once when it has been
quiet, and at most one message per task every MIN_GAP_S while ids keep coming. A publish
that fails (broker down) is logged, not raised: the rows are already committed, and the
scheduler re-drives them within seconds.
"""

import atexit
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import replace

from warn.service.context import Context, Dispatcher

log = logging.getLogger(__name__)
WINDOW_S = 0.002
MIN_GAP_S = 0.05
MAX_IDS_PER_MESSAGE = 500


class CeleryDispatcher:
    """`window_s` 0 publishes at once, from the caller's thread: what workers and the
    scheduler want (their messages already carry whole batches; and a publishing thread
    inside a forked pool process is not something to rely on). `warn serve` coalesces."""

    def __init__(self, window_s: float = 0.0, min_gap_s: float = MIN_GAP_S):
        self.window_s = window_s
        self.min_gap_s = min_gap_s
        self._flushed_at = 0.0
        self._pending: dict[str, list[object]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def process_signals(self, signal_ids: Sequence[str]) -> None:
        self._add("process_signals", signal_ids)

    def deliver(self, delivery_ids: Sequence[str]) -> None:
        self._add("deliver", delivery_ids)

    def fire_timers(self, timer_ids: Sequence[int]) -> None:
        self._add("fire_timers", timer_ids)

    def assign_teams(self) -> None:
        _publish("assign_teams")

    def _add(self, task: str, ids: Sequence[object]) -> None:
        if not ids:
            return
        if not self.window_s:
            _publish(task, list(ids))
            return
        with self._lock:
            self._pending.setdefault(task, []).extend(ids)
            self._ensure_thread()
        self._wake.set()

    def _ensure_thread(self) -> None:
        # Started on first use, never at import: prefork workers fork after importing.
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="warn-publisher",
                                            daemon=True)
            self._thread.start()
            atexit.register(self.flush)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            time.sleep(max(self.window_s, self._flushed_at + self.min_gap_s - time.monotonic()))
            self.flush()
            self._flushed_at = time.monotonic()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        for task, ids in pending.items():
            unique = list(dict.fromkeys(ids))
            for start in range(0, len(unique), MAX_IDS_PER_MESSAGE):
                _publish(task, unique[start:start + MAX_IDS_PER_MESSAGE])


def _publish(task: str, *args: object) -> None:
    from workers import tasks

    try:
        getattr(tasks, task).delay(*args)
    except Exception:
        log.warning("could not publish %s; the scheduler will re-drive it", task,
                    exc_info=True)


class DeliverInPlace:
    """The dispatcher of work already running in a worker: deliveries it creates are sent
    at once, in the same task, instead of travelling through the broker to come back to a
    worker; everything else is handed on. A send cut short (the worker dies) leaves its
    delivery queued under a lease, and the scheduler hands it out again."""

    def __init__(self, onward: Dispatcher) -> None:
        self.onward = onward
        self.ctx: Context | None = None

    def process_signals(self, signal_ids: Sequence[str]) -> None:
        self.onward.process_signals(signal_ids)

    def deliver(self, delivery_ids: Sequence[str]) -> None:
        from warn.service.delivering import deliver_many

        assert self.ctx is not None, "in_place() sets the context"
        if delivery_ids:
            deliver_many(self.ctx, delivery_ids)

    def fire_timers(self, timer_ids: Sequence[int]) -> None:
        self.onward.fire_timers(timer_ids)

    def assign_teams(self) -> None:
        self.onward.assign_teams()


def in_place(ctx: Context) -> Context:
    """`ctx` with a DeliverInPlace dispatcher in front of its own."""
    here = DeliverInPlace(ctx.dispatcher)
    here.ctx = replace(ctx, dispatcher=here)
    return here.ctx
