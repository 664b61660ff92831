"""Thin tasks: ids in, one call into warn.service. No countdown, no ETA, no autoretry:
timers live in the database and retries live in the channel layer."""

from warn.runtime import task_context
from warn.service import delivering, processing, teams, timers
from workers.app import celery_app


@celery_app.task(name="warn.process_signals")
def process_signals(signal_ids: list[str]) -> None:
    processing.process_signals(task_context(), signal_ids)


@celery_app.task(name="warn.deliver")
def deliver(delivery_ids: list[str]) -> None:
    delivering.deliver_many(task_context(), delivery_ids)


@celery_app.task(name="warn.fire_timers")
def fire_timers(timer_ids: list[int]) -> None:
    timers.fire_timers(task_context(), timer_ids)


@celery_app.task(name="warn.assign_teams")
def assign_teams() -> None:
    teams.assign_waiting_teams(task_context())
