"""What each figure is measured against: a fixed bound, or another figure of the same run
(the peer, or a limit of this machine) times a factor. Each is checked at the end."""

import math
from dataclasses import dataclass

from bench.figures import BURST_FIGURE, CPU_FIGURE, Row
from bench.limits import NOOP_FIGURE

PEER_BATCH = "peer: Alertmanager end to end, batches of 100 (4 clients)"
PEER_SINGLE = "peer: Alertmanager end to end, one per POST (64 clients)"


@dataclass(frozen=True)
class Target:
    figure: str
    at_most: bool  # False: at least
    bound: float = math.nan  # a fixed bound, or
    of: str = ""  # another figure of the same run ...
    times: float = 1.0  # ... times this

    def limit(self, rows: dict[str, Row]) -> float | None:
        if not self.of:
            return self.bound
        other = rows.get(self.of)
        return other.value * self.times if other and not math.isnan(other.value) else None

    def says(self) -> str:
        side = "≤" if self.at_most else "≥"
        if not self.of:
            return f"{side} {self.bound:,g}"
        return f"{side} {self.times:g} × {self.of}"


TARGETS = (
    Target(BURST_FIGURE, at_most=False, of=PEER_BATCH),
    Target(BURST_FIGURE, at_most=False, of=NOOP_FIGURE, times=6),
    Target("end to end, sustained (batch ingest)", at_most=False, of=PEER_BATCH),
    Target("end to end, sustained (batch ingest)", at_most=False, of=NOOP_FIGURE, times=6),
    Target("ingest, burst in batches of 100 (4 clients)", at_most=False,
           of="peer: Alertmanager accepted, batches of 100 (4 clients)"),
    Target("202 → flash SMS p99, burst in batches of 100", at_most=True,
           of="peer: Alertmanager POST → webhook p99, batches of 100 (4 clients)"),
    Target(CPU_FIGURE, at_most=True, bound=300),
    Target(CPU_FIGURE, at_most=True,
           of="peer: Alertmanager CPU per alert, batches of 100 (4 clients)"),
    Target("end to end, single POSTs (64 clients)", at_most=False, bound=1000),
    Target("end to end, single POSTs (64 clients)", at_most=False, of=PEER_SINGLE),
    Target("ingest, single POSTs (64 clients)", at_most=False,
           of="peer: Alertmanager accepted, one per POST (64 clients)"),
    Target("202 → flash SMS at 500/s, p99", at_most=True, bound=150),
    Target("urgent behind a backlog: ongoing call 202 → flash SMS, p99", at_most=True,
           bound=1000),
    Target("urgent behind a backlog: medium timer due → ladder moved", at_most=True,
           bound=1000),
    Target("timers: all due fired within", at_most=True, bound=1),
    Target("timers: lateness p99", at_most=True, bound=500),
    Target("timers: 100,000 due at once, fired at", at_most=False, bound=20_000),
    Target("soak: server RSS growth", at_most=True, bound=10),
    Target("soak: workers RSS growth", at_most=True, bound=10),
    Target("scale: time per signal, largest / smallest", at_most=True, bound=1.5),
    Target("scale: officer queue page, largest / smallest", at_most=True, bound=1.5),
    Target("scale: case lookup, largest / smallest", at_most=True, bound=1.5),
)


@dataclass(frozen=True)
class Verdict:
    target: Target
    value: float
    limit: float
    met: bool


def verdicts(rows: list[Row]) -> list[Verdict]:
    """Every target whose figure and limit were measured in this run."""
    by_name = {row.figure: row for row in rows}
    found = []
    for target in TARGETS:
        row, limit = by_name.get(target.figure), target.limit(by_name)
        if row is None or limit is None or math.isnan(row.value) or math.isnan(limit):
            continue
        met = row.value <= limit if target.at_most else row.value >= limit
        found.append(Verdict(target, row.value, limit, met))
    return found
