"""The one retry layer: short backoff with jitter around a single channel send.

Nothing above it retries a send (no Celery autoretry): a failure here is final for this
attempt to deliver, and is reported to the domain as such.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from warn.channels.base import Channel, OutboundMessage, PermanentError, Receipt, TransientError

_FIRST_WAIT_S = 0.05
_JITTER_S = 0.05


@dataclass(frozen=True)
class SendOutcome:
    receipt: Receipt
    attempts: int


class NotAccepted(Exception):
    """The message was not accepted. `permanent`: the gateway refused it for good."""

    def __init__(self, reason: str, permanent: bool, attempts: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.attempts = attempts

    def __reduce__(self) -> tuple[type[NotAccepted], tuple[str, bool, int]]:
        # Keeps it picklable (Celery result backends, multiprocessing) despite the extra args.
        return (NotAccepted, (self.reason, self.permanent, self.attempts))


def send_with_retries(
    channel: Channel,
    message: OutboundMessage,
    *,
    attempts: int = 6,
    max_wait_s: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> SendOutcome:
    """Send `message`, retrying TransientError up to `attempts` tries in all.

    Returns SendOutcome(receipt, attempts made). Raises NotAccepted: with
    permanent=True at once on PermanentError (never retried), with permanent=False once
    the last attempt failed transiently. Other exceptions propagate untouched.
    Waits start at 50 ms and double, capped at `max_wait_s`, plus up to 50 ms of jitter.
    `sleep` is injectable so tests need not wait.
    """
    retrying = Retrying(
        retry=retry_if_exception_type(TransientError),
        stop=stop_after_attempt(attempts),
        # jitter on top of the exponential: the form every tenacity release since 8 accepts
        wait=wait_exponential(multiplier=_FIRST_WAIT_S, max=max_wait_s) + wait_random(0, _JITTER_S),
        sleep=sleep,
    )
    try:
        receipt = retrying(channel.send, message)
    except PermanentError as exc:
        raise NotAccepted(str(exc), permanent=True, attempts=_attempts(retrying)) from exc
    except RetryError as exc:
        last = exc.last_attempt.exception()
        reason = f"{last} (after {_attempts(retrying)} attempts)"
        raise NotAccepted(reason, permanent=False, attempts=_attempts(retrying)) from last
    return SendOutcome(receipt, _attempts(retrying))


def first_tries(channel: Channel, messages: Sequence[OutboundMessage]
                ) -> list[SendOutcome | NotAccepted | None] | None:
    """One try of every message in one round trip, where the gateway takes batches (None
    where it does not): each answer is the outcome, the refusal, or None for a message
    to send again on its own, with `send_with_retries`."""
    send_many = getattr(channel, "send_many", None)
    if send_many is None:
        return None
    answers: list[SendOutcome | NotAccepted | None] = []
    for answer in send_many(messages):
        if isinstance(answer, Receipt):
            answers.append(SendOutcome(answer, attempts=1))
        elif isinstance(answer, PermanentError):
            answers.append(NotAccepted(str(answer), permanent=True, attempts=1))
        else:
            answers.append(None)
    return answers


def _attempts(retrying: Retrying) -> int:
    return int(retrying.statistics.get("attempt_number", 1))
