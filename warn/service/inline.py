"""A dispatcher that runs the work in this thread, in order, when asked to drain.

Used by `warn demo` (with a simulated clock) and by tests that drive the service layer
without a broker. It calls the same service functions the Celery tasks call.
"""

from collections import deque
from collections.abc import Callable, Sequence

from warn.service.context import Context


class InlineDispatcher:
    def __init__(self) -> None:
        self._jobs: deque[Callable[[Context], object]] = deque()
        self.sent: list[tuple[str, tuple[object, ...]]] = []

    def process_signals(self, signal_ids: Sequence[str]) -> None:
        from warn.service.processing import process_signals

        ids = list(signal_ids)
        self._queue("process_signals", ids, lambda ctx: process_signals(ctx, ids))

    def deliver(self, delivery_ids: Sequence[str]) -> None:
        from warn.service.delivering import deliver_many

        ids = list(delivery_ids)
        self._queue("deliver", ids, lambda ctx: deliver_many(ctx, ids))

    def fire_timers(self, timer_ids: Sequence[int]) -> None:
        from warn.service.timers import fire_timers

        ids = list(timer_ids)
        self._queue("fire_timers", ids, lambda ctx: fire_timers(ctx, ids))

    def assign_teams(self) -> None:
        from warn.service.teams import assign_waiting_teams

        self._queue("assign_teams", [], assign_waiting_teams)

    def _queue(self, name: str, ids: list[object] | list[str] | list[int],
               job: Callable[[Context], object]) -> None:
        self.sent.append((name, tuple(ids)))
        self._jobs.append(job)

    def drain(self, ctx: Context, limit: int = 10_000) -> int:
        """Run queued jobs (and the jobs they queue) until none is left; returns the count."""
        done = 0
        while self._jobs and done < limit:
            self._jobs.popleft()(ctx)
            done += 1
        return done
