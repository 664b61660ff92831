"""Lanes: one Celery queue per kind of work, so that urgent work never waits behind bulk
work (CONTRACT §6). A worker takes from its lanes in the order of LANES: a free process
always takes urgent work first, and a bulk batch is small enough
(warn.service.processing.BATCH) that a process is soon free.

A site that wants a process or a machine for urgent work alone starts
`warn worker --lanes deliveries,urgent,timers` beside the others.
"""

from warn.work import Work

DELIVERIES = "warn.deliveries"  # sends, and handing teams that came free to waiting cases
URGENT = "warn.urgent"  # signals of cases that are or will be high tier (an ongoing call)
TIMERS = "warn.timers"  # deadlines that fell due
BULK = "warn.bulk"  # every other signal
LANES = (DELIVERIES, URGENT, TIMERS, BULK)

PROCESS_SIGNALS = "warn.process_signals"
DELIVER = "warn.deliver"
FIRE_TIMERS = "warn.fire_timers"
ASSIGN_TEAMS = "warn.assign_teams"

Message = tuple[str, str, list[object]]  # task, lane, ids


def messages(work: Work) -> list[Message]:
    """The work as messages, most urgent first."""
    wanted: list[tuple[bool, Message]] = [
        (bool(work.deliveries), (DELIVER, DELIVERIES, list(work.deliveries))),
        (work.assign_teams, (ASSIGN_TEAMS, DELIVERIES, [])),
        (bool(work.urgent_signals), (PROCESS_SIGNALS, URGENT, list(work.urgent_signals))),
        (bool(work.timers), (FIRE_TIMERS, TIMERS, list(work.timers))),
        (bool(work.bulk_signals), (PROCESS_SIGNALS, BULK, list(work.bulk_signals))),
    ]
    return [message for due, message in wanted if due]


def parse_lanes(text: str) -> tuple[str, ...]:
    """`deliveries,urgent` -> the queue names, in LANES order; unknown names refused."""
    names = {lane.removeprefix("warn."): lane for lane in LANES}
    wanted = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in wanted if name not in names]
    if unknown or not wanted:
        raise ValueError(f"unknown lane {', '.join(unknown) or text!r}: use any of "
                         f"{', '.join(names)}")
    return tuple(lane for lane in LANES if lane.removeprefix("warn.") in wanted)
