"""One case never holds back another (CONTRACT §6): a decision that fails is tried again
for its case alone, and after ATTEMPTS failures in all the case is stuck.

A failing store is not a failing case: its errors pass straight through, the work stays
in its rows, and the scheduler hands it out again once the store answers.
"""

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

from warn.decisions.writes import TeamTaken
from warn.vocabulary import decision_failed
from warn.work import Work

log = logging.getLogger(__name__)
ATTEMPTS = 3
STORE_TROUBLE = (OperationalError, InterfaceError, DisconnectionError)
# Another batch filled a team this one meant to send: decide again on fresh facts.
FRESH_FACTS_TRIES = 5

Result = TypeVar("Result")


def on_fresh_facts(attempt: Callable[[], Result]) -> Result:
    for _ in range(FRESH_FACTS_TRIES - 1):
        try:
            return attempt()
        except TeamTaken:
            log.info("a team filled up meanwhile; deciding the batch again")
    return attempt()


def retry_alone(what_failed: str, attempt: Callable[[], Work | str],
                stick: Callable[[str], Work], *, failures: int = 1) -> Work:
    """After `failures` failures (the last said `what_failed`), try `attempt` — the case
    alone: its Work, or what failed — until ATTEMPTS failures in all; then `stick`."""
    while failures < ATTEMPTS:
        try:
            outcome = on_fresh_facts(attempt)
        except STORE_TROUBLE:
            raise
        except Exception as error:
            outcome = describe(error)
        if isinstance(outcome, Work):
            return outcome
        what_failed, failures = outcome, failures + 1
    log.warning("a case is stuck after %d failures: %s", failures, what_failed)
    return stick(what_failed)


def describe(error: Exception) -> str:
    """What failed, for a timeline: the kind of error, never its message (which may quote
    a number or a name)."""
    return decision_failed("writing", error)
