"""Publishing work to the Celery workers.

Celery moves a few hundred messages a second on a small machine, and each message costs a
worker a transaction of its own, so one message per signal would cap the whole system far
below its load. A `Publisher` with a window (what `warn serve` uses) lets the bulk
signals of requests close together travel in one message: it sends at once when it has
been quiet, and at most one bulk message every MIN_GAP_S while ids keep coming. Urgent
lanes never wait for a window. A publish that fails (broker down) is logged, not raised:
the rows are already committed, and the scheduler hands them out again within seconds.
"""

import atexit
import logging
import threading
import time
from collections.abc import Callable, Sequence

from warn.phases import phase
from warn.service.processing import BATCH
from workers.lanes import BULK, PROCESS_SIGNALS, Message

log = logging.getLogger(__name__)
WINDOW_S = 0.002
# Under load a bulk message waits up to this long for more ids. At 100 ms (50 before),
# single POSTs went from 565 to 910 signals/s end to end and 500 a second no longer
# saturated two cores: a worker's fixed cost per message (its transactions, the claim)
# is shared by twice the signals. Only bulk signals wait; urgent lanes never do.
MIN_GAP_S = 0.1
MAX_IDS_PER_MESSAGE = 500
# A bulk message is one batch: a process that takes it is free again after one batch,
# not after five, when urgent work comes.
MAX_BULK_IDS_PER_MESSAGE = BATCH

Send = Callable[[str, str, list[object]], None]  # task, lane, ids


def send_to_celery(task: str, lane: str, ids: list[object]) -> None:
    from workers.app import celery_app

    args = (ids,) if ids else ()
    try:
        with phase("hand off"):
            celery_app.send_task(task, args=args, queue=lane)
    except Exception:
        log.warning("could not publish %s; the scheduler will re-drive it", task,
                    exc_info=True)


class Publisher:
    """`window_s` 0 publishes everything at once, from the caller's thread: what workers
    and the scheduler want (their messages already carry whole batches, and a publishing
    thread inside a forked pool process is not something to rely on)."""

    def __init__(self, send: Send = send_to_celery, *, window_s: float = 0.0,
                 min_gap_s: float = MIN_GAP_S,
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._send = send
        self.window_s, self.min_gap_s = window_s, min_gap_s
        self._monotonic, self._sleep = monotonic, sleep
        self._flushed_at = float("-inf")
        self._bulk: list[object] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def publish(self, messages: Sequence[Message]) -> None:
        for task, lane, ids in messages:
            if lane == BULK and self.window_s:
                self._gather(ids)
            else:
                self._send_all(task, lane, ids)

    def _send_all(self, task: str, lane: str, ids: list[object]) -> None:
        if not ids:
            self._send(task, lane, [])
            return
        unique = list(dict.fromkeys(ids))
        size = MAX_BULK_IDS_PER_MESSAGE if lane == BULK else MAX_IDS_PER_MESSAGE
        for start in range(0, len(unique), size):
            self._send(task, lane, unique[start:start + size])

    def _gather(self, ids: list[object]) -> None:
        with self._lock:
            self._bulk.extend(ids)
            # Started on first use, never at import: prefork workers fork after importing.
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="warn-publisher",
                                                daemon=True)
                self._thread.start()
                atexit.register(self.flush)
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            self._sleep(max(self.window_s,
                            self._flushed_at + self.min_gap_s - self._monotonic()))
            self.flush()
            self._flushed_at = self._monotonic()

    def flush(self) -> None:
        with self._lock:
            bulk, self._bulk = self._bulk, []
        if bulk:
            self._send_all(PROCESS_SIGNALS, BULK, bulk)
