"""The channel protocol: what every gateway, mock or real, promises."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

CHANNEL_NAMES: tuple[str, ...] = (
    "flash_sms",
    "callback_96110",
    "school_group",
    "mobile_team",
    "duty_page",
)


@dataclass(frozen=True)
class OutboundMessage:
    """One message to one recipient; `delivery_id` doubles as the gateway's idempotency key.
    A grouped duty page is one message carrying several deliveries: `carries` names them,
    and `delivery_id` is then the id of the grouped message itself."""

    delivery_id: str
    channel: str
    recipient: str
    body: str
    carries: tuple[str, ...] = ()


@dataclass(frozen=True)
class Receipt:
    """The gateway's answer. `duplicate` means the key had already been accepted before."""

    gateway_message_id: str
    duplicate: bool


class ChannelError(Exception):
    """A send did not go through."""


class TransientError(ChannelError):
    """Worth retrying: timeouts, throttling, a gateway briefly unavailable."""


class PermanentError(ChannelError):
    """Retrying cannot help: gateway down for good, recipient refused, message rejected."""


class BatchChannel(Protocol):
    """A gateway that also takes several messages in one round trip."""

    def send_many(self, messages: Sequence[OutboundMessage]) -> list[Receipt | ChannelError]:
        """One answer per message, in order: its receipt, or the error `send` would have
        raised for it (a TransientError is tried again on its own)."""
        ...


class Channel(Protocol):
    name: str

    def send(self, message: OutboundMessage) -> Receipt:
        """Hand the message over, or raise TransientError / PermanentError.

        A repeat of an accepted `delivery_id` must answer `Receipt(duplicate=True)` and
        must not deliver the message again.
        """
        ...
