"""Running work in this thread, in order, when asked: for `warn demo` (on a simulated
clock) and the tests that drive the service without a broker. The work takes the same
path as in a worker — the same `Runtime`, the same task bodies (`workers.tasks.run`) —
only the broker is a list."""

from collections import deque

from warn.service.context import Context
from warn.work import Work
from workers.lanes import LANES, Message
from workers.runtime import Runtime


class InlineQueue:
    """The messages published so far, one queue per lane, taken in the lanes' order."""

    def __init__(self) -> None:
        self._lanes: dict[str, deque[Message]] = {lane: deque() for lane in LANES}
        self.sent: list[Message] = []

    def publish(self, messages: list[Message]) -> None:
        for message in messages:
            self.sent.append(message)
            self._lanes[message[1]].append(message)

    def take(self) -> Message | None:
        for lane in LANES:
            if self._lanes[lane]:
                return self._lanes[lane].popleft()
        return None


class InlineRuntime(Runtime):
    """A runtime whose broker is an InlineQueue; `drain` plays the worker."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx, InlineQueue())

    @property
    def queue(self) -> InlineQueue:
        assert isinstance(self.outlet, InlineQueue)
        return self.outlet

    def drain(self, limit: int = 10_000) -> int:
        """Run queued messages (and those they queue) until none is left; returns how many."""
        from workers.tasks import run

        done = 0
        while done < limit and (message := self.queue.take()) is not None:
            task, _lane, ids = message
            run(self, task, ids)
            done += 1
        return done

    def run_now(self, work: Work) -> None:
        """Hand the work on and drain: what a request followed by the workers does."""
        self.hand_off(work)
        self.drain()
