"""Outbound channels: one protocol, mock gateways that behave like real ones, one retry layer."""

from warn.channels.base import (
    CHANNEL_NAMES,
    Channel,
    ChannelError,
    OutboundMessage,
    PermanentError,
    Receipt,
    TransientError,
)
from warn.channels.registry import build_gateways, gateways, reset_gateways
from warn.channels.sending import NotAccepted, SendOutcome, send_with_retries

__all__ = [
    "CHANNEL_NAMES",
    "Channel",
    "ChannelError",
    "NotAccepted",
    "OutboundMessage",
    "PermanentError",
    "Receipt",
    "SendOutcome",
    "TransientError",
    "build_gateways",
    "gateways",
    "reset_gateways",
    "send_with_retries",
]
