"""What every use case needs: sessions, the policy, a clock, and a way to enqueue work."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from warn.channels.base import Channel
from warn.domain.policy import Policy
from warn.store.db import read_session_factory


class Dispatcher(Protocol):
    """Hands ids to workers. Called only after the commit that made the rows."""

    def process_signals(self, signal_ids: Sequence[str]) -> None: ...

    def deliver(self, delivery_ids: Sequence[str]) -> None: ...

    def fire_timers(self, timer_ids: Sequence[int]) -> None: ...

    def assign_teams(self) -> None: ...


def system_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    engine: Engine
    sessions: sessionmaker[Session]
    policy: Policy
    dispatcher: Dispatcher
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
