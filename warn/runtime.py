"""Building the process-wide service context from the environment (CONTRACT §1)."""

import logging
from functools import cache

from warn.channels.registry import gateways
from warn.config import Settings, settings_from_env
from warn.dispatch import CeleryDispatcher
from warn.policy_file import load_policy
from warn.render import check_templates
from warn.service.context import Context
from warn.store.db import make_engine, session_factory

log = logging.getLogger(__name__)


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
