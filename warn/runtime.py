"""Building the process-wide service context from the environment (CONTRACT §1)."""

import logging
from collections.abc import Sequence
from functools import cache

from warn.channels.registry import gateways
from warn.config import Settings, settings_from_env
from warn.policy_file import load_policy
from warn.render import check_templates
from warn.service.context import Context
from warn.store.db import make_engine, session_factory

log = logging.getLogger(__name__)


class CeleryDispatcher:
    """Publishes task messages. A publish that fails is logged, not raised: the rows are
    already committed and the sweeper re-drives them within seconds."""

    def process_signals(self, signal_ids: Sequence[str]) -> None:
        self._publish("process_signals", list(signal_ids))

    def deliver(self, delivery_ids: Sequence[str]) -> None:
        self._publish("deliver", list(delivery_ids))

    def fire_timers(self, timer_ids: Sequence[int]) -> None:
        self._publish("fire_timers", list(timer_ids))

    def assign_teams(self) -> None:
        self._publish("assign_teams")

    def _publish(self, name: str, *args: object) -> None:
        from workers import tasks

        try:
            getattr(tasks, name).delay(*args)
        except Exception:
            log.warning("could not publish %s; the sweeper will re-drive it", name,
                        exc_info=True)


def build_context(settings: Settings) -> Context:
    check_templates()
    engine = make_engine(settings.database_url)
    return Context(engine=engine, sessions=session_factory(engine),
                   policy=load_policy(settings.policy_path), dispatcher=CeleryDispatcher(),
                   gateways=gateways())


@cache
def context() -> Context:
    """The context of this process (workers, server, CLI), built on first use."""
    from workers.app import configure

    settings = settings_from_env()
    configure(settings.broker_url or "memory://")
    return build_context(settings)
