"""What a use case leaves to be done once its transaction has committed.

A use case never enqueues anything itself: it returns its `Work`, and whoever ran it (a
Celery task, a request handler, the scheduler, a test) decides where each part goes —
which lane, sent in place, or run inline.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass
class Work:
    urgent_signals: list[str] = field(default_factory=list)
    bulk_signals: list[str] = field(default_factory=list)
    deliveries: list[str] = field(default_factory=list)
    timers: list[int] = field(default_factory=list)
    # a team may have become free: cases waiting for one get another try
    assign_teams: bool = False

    def __bool__(self) -> bool:
        return bool(self.urgent_signals or self.bulk_signals or self.deliveries
                    or self.timers or self.assign_teams)

    def add(self, other: "Work") -> "Work":
        """`other`'s work added to this one's; returns self."""
        self.urgent_signals += other.urgent_signals
        self.bulk_signals += other.bulk_signals
        self.deliveries += other.deliveries
        self.timers += other.timers
        self.assign_teams |= other.assign_teams
        return self

    @staticmethod
    def of(parts: Iterable["Work"]) -> "Work":
        total = Work()
        for part in parts:
            total.add(part)
        return total


# Where a request handler's work goes: the runtime that built the application says.
HandOff = Callable[[Work], None]
