"""What every use case needs: sessions, the policy, the gateways and a clock."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from warn.channels.base import Channel
from warn.config import Settings
from warn.domain.policy import Policy
from warn.store.db import read_session_factory


def system_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    engine: Engine
    sessions: sessionmaker[Session]
    policy: Policy
    gateways: Mapping[str, Channel]
    clock: Callable[[], datetime] = field(default=system_now)
    # Sessions that only read (queries, pages, look-ups): on SQLite they take no write
    # lock. Made from `engine` unless given.
    reads: sessionmaker[Session] = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.reads is None and self.engine is not None:
            self.reads = read_session_factory(self.engine)

    def now(self) -> datetime:
        return self.clock()


def context_from_settings(settings: Settings) -> Context:
    """A process's context: its store, its policy, its gateways (templates checked first)."""
    from warn.channels.registry import gateways
    from warn.policy_file import load_policy
    from warn.render import check_templates
    from warn.store.db import make_engine, session_factory

    check_templates()
    engine = make_engine(settings.database_url)
    return Context(engine=engine, sessions=session_factory(engine),
                   policy=load_policy(settings.policy_path), gateways=gateways())
