"""Policy durations such as `90s`, `10m`, `2h`."""

import re
from datetime import timedelta

_DURATION = re.compile(r"^(\d+)(s|m|h)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}


def parse_duration(text: str) -> timedelta:
    """Parse `90s` / `10m` / `2h`; raise ValueError naming the accepted forms otherwise."""
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"'{text}' is not a duration: write a whole number with s, m or h "
                         "(90s, 10m, 2h)")
    amount, unit = match.groups()
    return timedelta(seconds=int(amount) * _UNIT_SECONDS[unit])


def format_duration(value: timedelta) -> str:
    """The shortest exact `s`/`m`/`h` spelling of a duration (inverse of parse_duration)."""
    seconds = int(value.total_seconds())
    for unit in ("h", "m"):
        size = _UNIT_SECONDS[unit]
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
