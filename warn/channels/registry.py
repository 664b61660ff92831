"""Which gateway serves which channel, built from the WARN_MOCK_* environment (CONTRACT §1)."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path

from warn.channels.base import CHANNEL_NAMES, Channel
from warn.channels.mock import MockBehaviour, MockGateway

__all__ = ["CHANNEL_NAMES", "behaviour_from_env", "build_gateways", "gateways", "reset_gateways"]

_cache: dict[str, Channel] | None = None
_cache_lock = threading.Lock()


def behaviour_from_env(env: Mapping[str, str], channel: str) -> MockBehaviour:
    """The mock behaviour for `channel`; raises ValueError naming the variable at fault."""
    if channel not in CHANNEL_NAMES:
        raise ValueError(f"unknown channel {channel!r}; expected one of {', '.join(CHANNEL_NAMES)}")
    log = env.get("WARN_MOCK_LOG", "").strip()
    return MockBehaviour(
        fail_rate=_fail_rate(env.get("WARN_MOCK_FAIL_RATE", "")),
        down=channel in _down_channels(env.get("WARN_MOCK_DOWN", "")),
        latency_ms=_latency_ms(env.get("WARN_MOCK_LATENCY_MS", "")),
        log_path=Path(log) if log else None,
    )


def build_gateways(env: Mapping[str, str]) -> dict[str, Channel]:
    return {name: MockGateway(name, behaviour_from_env(env, name)) for name in CHANNEL_NAMES}


def gateways() -> dict[str, Channel]:
    """The process-wide registry, built once from os.environ."""
    global _cache
    with _cache_lock:
        if _cache is None:
            _cache = build_gateways(os.environ)
        return _cache


def reset_gateways() -> None:
    """Forget the cached registry, so the next `gateways()` re-reads the environment."""
    global _cache
    with _cache_lock:
        _cache = None


def _fail_rate(raw: str) -> float:
    if not raw.strip():
        return 0.0
    try:
        rate = float(raw)
    except ValueError:
        raise ValueError(f"WARN_MOCK_FAIL_RATE must be a number from 0 to 1, got {raw!r}") from None
    if not 0.0 <= rate <= 1.0:  # also refuses nan
        raise ValueError(f"WARN_MOCK_FAIL_RATE must be from 0 to 1, got {raw!r}")
    return rate


def _down_channels(raw: str) -> frozenset[str]:
    names = frozenset(part.strip() for part in raw.split(",") if part.strip())
    unknown = sorted(names - set(CHANNEL_NAMES))
    if unknown:
        raise ValueError(
            f"WARN_MOCK_DOWN names unknown channel(s) {', '.join(unknown)}; "
            f"expected some of {', '.join(CHANNEL_NAMES)}"
        )
    return names


def _latency_ms(raw: str) -> int:
    if not raw.strip():
        return 0
    try:
        latency = int(raw)
    except ValueError:
        raise ValueError(
            f"WARN_MOCK_LATENCY_MS must be a whole number of milliseconds, got {raw!r}"
        ) from None
    if latency < 0:
        raise ValueError(f"WARN_MOCK_LATENCY_MS must not be negative, got {raw!r}")
    return latency
