"""The runtime of a process: its service context and where its work goes.

Built once per process from the settings (`build`), by the command that starts the
process, and never changed after. Celery tasks find it with `current()`.
"""

from dataclasses import dataclass
from typing import Protocol

from warn.config import Settings, settings_from_env
from warn.service.context import Context, context_from_settings
from warn.service.delivering import deliver_many
from warn.work import Work
from workers.lanes import Message, messages
from workers.publisher import WINDOW_S, Publisher


class Outlet(Protocol):
    def publish(self, messages: list[Message]) -> None: ...


@dataclass(frozen=True)
class Runtime:
    ctx: Context
    outlet: Outlet

    def hand_off(self, work: Work) -> None:
        """Everything on its lane, through the broker: what request handlers and the
        scheduler do with their work."""
        if work:
            self.outlet.publish(messages(work))

    def carry_out(self, work: Work) -> None:
        """What a task does with its work: the deliveries it made are sent here and now,
        by the process that made them, rather than travel through the broker to come
        back to a worker; the rest goes on its lane. A send cut short (the worker dies)
        leaves its delivery queued under a lease, and the scheduler hands it out again."""
        while work.deliveries:
            sent = deliver_many(self.ctx, work.deliveries)
            work.deliveries = []
            work.add(sent.work)
        self.hand_off(work)


def build(settings: Settings, *, coalesce: bool = False) -> Runtime:
    """`coalesce`: bulk signals of requests a few milliseconds apart share one message
    (`warn serve`); workers and the scheduler publish at once."""
    from workers.app import configure

    configure(settings.broker_url or "memory://")
    publisher = Publisher(window_s=WINDOW_S if coalesce else 0.0)
    return Runtime(context_from_settings(settings), publisher)


_current: Runtime | None = None


def install(runtime: Runtime) -> Runtime:
    global _current
    _current = runtime
    return runtime


def current(*, coalesce: bool = False) -> Runtime:
    """This process's runtime; a process that was not given one builds its own from the
    settings (`coalesce` as for `build`)."""
    return _current or install(build(settings_from_env(), coalesce=coalesce))
