"""Building the process-wide service context from the environment (CONTRACT §1)."""

from functools import cache

from warn.channels.registry import gateways
from warn.config import Settings, settings_from_env
from warn.dispatch import CeleryDispatcher, in_place
from warn.policy_file import load_policy
from warn.render import check_templates
from warn.service.context import Context
from warn.store.db import make_engine, session_factory


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


def coalesce_publishing() -> None:
    """For `warn serve`: ids from requests a few milliseconds apart share one message."""
    from warn.dispatch import WINDOW_S

    dispatcher = context().dispatcher
    if isinstance(dispatcher, CeleryDispatcher):
        dispatcher.window_s = WINDOW_S


@cache
def task_context() -> Context:
    """The context Celery tasks run in: what a task's work creates to send is sent by the
    same task (warn.dispatch.DeliverInPlace)."""
    return in_place(context())
