"""Thin tasks: ids in, one use case, its work carried out. No countdown, no ETA, no
autoretry: timers live in the database and retries live in the channel layer.

`run` is what every task does, given the runtime: the Celery tasks call it with the
process's runtime, and the inline runner of the demo and the tests calls it with its own.
"""

from collections.abc import Callable

from warn.service import delivering, processing, teams, timers
from warn.work import Work
from workers.app import celery_app
from workers.lanes import ASSIGN_TEAMS, DELIVER, FIRE_TIMERS, PROCESS_SIGNALS
from workers.runtime import Runtime, current

_USE_CASES: dict[str, Callable[[Runtime, list[object]], Work]] = {
    PROCESS_SIGNALS: lambda rt, ids: processing.process_signals(rt.ctx, ids),  # type: ignore[arg-type]
    DELIVER: lambda rt, ids: delivering.deliver_many(rt.ctx, ids).work,  # type: ignore[arg-type]
    FIRE_TIMERS: lambda rt, ids: timers.fire_timers(rt.ctx, ids)[1],  # type: ignore[arg-type]
    ASSIGN_TEAMS: lambda rt, _ids: teams.assign_waiting_teams(rt.ctx)[1],
}


def run(runtime: Runtime, task: str, ids: list[object]) -> None:
    runtime.carry_out(_USE_CASES[task](runtime, ids))


@celery_app.task(name=PROCESS_SIGNALS)
def process_signals(signal_ids: list[str]) -> None:
    run(current(), PROCESS_SIGNALS, list(signal_ids))


@celery_app.task(name=DELIVER)
def deliver(delivery_ids: list[str]) -> None:
    run(current(), DELIVER, list(delivery_ids))


@celery_app.task(name=FIRE_TIMERS)
def fire_timers(timer_ids: list[int]) -> None:
    run(current(), FIRE_TIMERS, list(timer_ids))


@celery_app.task(name=ASSIGN_TEAMS)
def assign_teams() -> None:
    run(current(), ASSIGN_TEAMS, [])
