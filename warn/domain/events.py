"""What can happen to a case (events), what the case asks the world to do (effects),
and what the case may look up about the world (Directory)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from warn.domain.signals import Signal

# --- events -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignalArrived:
    signal: Signal
    score: int


@dataclass(frozen=True)
class DeliveryFailed:
    delivery_id: str
    reason: str


@dataclass(frozen=True)
class ResultReported:
    delivery_id: str
    result: str
    actor: str
    note: str | None = None


@dataclass(frozen=True)
class Confirm:
    stage: int
    actor: str


@dataclass(frozen=True)
class Decline:
    stage: int
    actor: str
    reason: str | None = None


@dataclass(frozen=True)
class Escalate:
    actor: str
    reason: str | None = None


@dataclass(frozen=True)
class RecordOutcome:
    outcome: str
    actor: str
    note: str | None = None


@dataclass(frozen=True)
class Tick:
    """A timer came due: handle every deadline that has passed by `now`."""


@dataclass(frozen=True)
class TeamFreed:
    """A team may have become free: retry a dispatch that is held for one."""


Event = (SignalArrived | DeliveryFailed | ResultReported | Confirm | Decline | Escalate
         | RecordOutcome | Tick | TeamFreed)

# --- effects ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Send:
    """Create and send one delivery. `reason` says why a duty page goes out."""

    delivery_id: str
    stage: int
    channel: str
    recipient: str
    reason: str | None = None


@dataclass(frozen=True)
class Note:
    """One timeline entry."""

    at: datetime
    type: str
    actor: str
    detail: str


@dataclass(frozen=True)
class CloseDispatch:
    """A mobile team's dispatch is over: the team counts as free again."""

    delivery_id: str


@dataclass(frozen=True)
class CancelQueued:
    """The case resolved: deliveries not yet sent must not go out."""


Effect = Send | Note | CloseDispatch | CancelQueued


class Rejected(Exception):
    """The event does not apply to the case as it is now (answered 409)."""


class InvalidResult(ValueError):
    """A result that the delivery's channel never reports (answered 422)."""


class Directory(Protocol):
    """Read-only facts about people and teams, looked up by the service inside the same
    transaction. `free_team` reserves what it returns for this transaction."""

    def liaisons(self, school: str) -> Sequence[str]: ...

    def officers(self, district: str | None) -> Sequence[str]: ...

    def free_team(self, district: str | None) -> str | None: ...

    def last_flash_at(self, msisdn: str) -> datetime | None: ...
