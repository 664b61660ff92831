"""Thin tasks: ids in, one use case, its work carried out. No countdown, no ETA, no
autoretry: timers live in the database and retries live in the channel layer.

`run` is what every task does, given the runtime: the Celery tasks call it with the
process's runtime, and the inline runner of the demo and the tests calls it with its own.
"""

from collections.abc import Callable
from typing import Any

from warn.service import delivering, processing, teams, timers
from warn.service.context import Context
from warn.work import Work
from workers.app import celery_app
from workers.lanes import ASSIGN_TEAMS, DELIVER, FIRE_TIMERS, PROCESS_SIGNALS
from workers.runtime import Runtime, current


def _process(ctx: Context, ids: list[Any]) -> Work:
    return processing.process_signals(ctx, ids)


def _deliver(ctx: Context, ids: list[Any]) -> Work:
    return delivering.deliver_many(ctx, ids).work


def _fire(ctx: Context, ids: list[Any]) -> Work:
    return timers.fire_timers(ctx, ids)[1]


def _assign(ctx: Context, _ids: list[Any]) -> Work:
    return teams.assign_waiting_teams(ctx)[1]


_USE_CASES: dict[str, Callable[[Context, list[Any]], Work]] = {
    PROCESS_SIGNALS: _process, DELIVER: _deliver, FIRE_TIMERS: _fire, ASSIGN_TEAMS: _assign}


def run(runtime: Runtime, task: str, ids: list[Any]) -> None:
    runtime.carry_out(_USE_CASES[task](runtime.ctx, ids))


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
