"""The scheduler's loop (`warn scheduler`, and a thread of embedded `warn serve`): sweep,
hand on what the sweep found, and keep going when the store is down."""

import logging
import threading

from warn.service.sweeper import Sweeper
from workers.runtime import Runtime

log = logging.getLogger(__name__)


def run_scheduler(runtime: Runtime, stop: threading.Event, interval_s: float = 0.1) -> None:
    """Sweep until `stop` is set; a failing sweep (database down) is logged and retried."""
    sweeper = Sweeper(runtime.ctx)
    while not stop.is_set():
        try:
            runtime.hand_off(sweeper.sweep())
        except Exception:
            log.exception("sweep failed; retrying")
            stop.wait(1.0)
        stop.wait(interval_s)
