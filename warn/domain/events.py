"""What can happen to a case (events) and what the case asks the world to do (effects).
What it may know of the world comes as data: `warn.domain.facts`."""

from dataclasses import dataclass
from datetime import datetime

from warn.domain.signals import Signal

# --- events -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignalArrived:
    signal: Signal
    score: int


@dataclass(frozen=True)
class SendFailed:
    """A delivery could not be sent (the gateway refused it, or kept failing)."""

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
    # the team an officer chose, of any district (None: the free team of the case's district)
    team: str | None = None


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
class SendTeamNow:
    """An officer sends a mobile team at once: the stages before the ladder's next team
    stage are skipped, and the team stage goes out without a second confirmation."""

    actor: str
    team: str | None = None
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


Event = (SignalArrived | SendFailed | ResultReported | Confirm | Decline | Escalate
         | SendTeamNow | RecordOutcome | Tick | TeamFreed)

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
    team: str


@dataclass(frozen=True)
class CancelQueued:
    """The case resolved: deliveries not yet sent must not go out."""


Effect = Send | Note | CloseDispatch | CancelQueued


class Rejected(Exception):
    """The event does not apply to the case as it is now (answered 409)."""


class InvalidResult(ValueError):
    """A result that the delivery's channel never reports (answered 422)."""


class Missing(LookupError):
    """What the event is for (a case, a delivery) does not exist (answered 404)."""
