"""Reading the mock gateways' own record: when each number got its first flash SMS."""

import json
from datetime import datetime
from pathlib import Path


def first_flashes(log: Path) -> dict[str, float]:
    """msisdn -> wall-clock time the gateway accepted its first flash SMS."""
    firsts: dict[str, float] = {}
    if not log.exists():
        return firsts
    with log.open(encoding="utf-8") as lines:
        for line in lines:
            if '"flash_sms"' not in line:
                continue
            record = json.loads(line)
            at = datetime.fromisoformat(record["at"]).timestamp()
            recipient = record["recipient"]
            if recipient not in firsts or at < firsts[recipient]:
                firsts[recipient] = at
    return firsts


def count_lines(log: Path) -> int:
    if not log.exists():
        return 0
    with log.open("rb") as lines:
        return sum(1 for _ in lines)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
