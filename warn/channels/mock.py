"""A mock gateway that is a real Channel, its behaviour plain data (like httpx's MockTransport).

With a log file, the log is the gateway's own record *and* its idempotency store: every
process that sends through a gateway of the same channel sees the keys the others accepted,
because workers are separate OS processes and a re-driven delivery may land on any of them.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import random
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from warn.channels.base import (
    ChannelError,
    OutboundMessage,
    PermanentError,
    Receipt,
    TransientError,
)


@dataclass(frozen=True)
class MockBehaviour:
    fail_rate: float = 0.0
    down: bool = False
    latency_ms: int = 0
    log_path: Path | None = None
    seed: int | None = None


class MockGateway:
    """Accepts messages per `behaviour`; `accepted` lists what this instance accepted."""

    def __init__(self, name: str, behaviour: MockBehaviour | None = None) -> None:
        self.name = name
        self.behaviour = behaviour or MockBehaviour()
        self.accepted: list[OutboundMessage] = []
        self._seen: set[str] = set()
        self._log_offset = 0
        self._lock = threading.Lock()
        self._rng = random.Random(self.behaviour.seed)

    def send(self, message: OutboundMessage) -> Receipt:
        # The latency is a round trip: half of it before the gateway accepts the message,
        # half before its answer is back. A sender killed in the second half has had its
        # message accepted without knowing it, as with a real gateway; that is the case
        # the idempotency key is for, and the fault tests must be able to hit it.
        self._travel()
        if self.behaviour.down:
            raise PermanentError(f"{self.name}: gateway down")
        with self._lock:
            if self._rng.random() < self.behaviour.fail_rate:
                raise TransientError(f"{self.name}: gateway busy, try again")
            receipt = self._accept(message)
        self._travel()
        return receipt

    def send_many(self, messages: Sequence[OutboundMessage]
                  ) -> list[Receipt | ChannelError]:
        """Several messages in one round trip, as a gateway's batch API takes them: each
        accepted, refused or to be tried again on its own, as `send` would answer it."""
        self._travel()
        if self.behaviour.down:
            return [PermanentError(f"{self.name}: gateway down") for _ in messages]
        with self._lock:
            busy = [self._rng.random() < self.behaviour.fail_rate for _ in messages]
            receipts = iter(self._accept_all([m for m, b in zip(messages, busy, strict=True)
                                              if not b]))
            answers: list[Receipt | ChannelError] = [
                TransientError(f"{self.name}: gateway busy, try again") if b
                else next(receipts) for b in busy]
        self._travel()
        return answers

    def _travel(self) -> None:
        if self.behaviour.latency_ms > 0:
            time.sleep(self.behaviour.latency_ms / 2000)

    def _accept(self, message: OutboundMessage) -> Receipt:
        return self._accept_all([message])[0]

    def _accept_all(self, messages: Sequence[OutboundMessage]) -> list[Receipt]:
        """Accept each message unless its key was accepted before (by any process that
        shares the log); the caller holds the lock."""
        if not messages:
            return []
        log_path = self.behaviour.log_path
        if log_path is None:
            return [self._take(message) for message in messages]
        with open(log_path, "a+b") as log:
            fcntl.flock(log, fcntl.LOCK_EX)
            try:
                self._catch_up(log)
                receipts = [self._take(message) for message in messages]
                self._append(log, [m for m, r in zip(messages, receipts, strict=True)
                                   if not r.duplicate])
            finally:
                fcntl.flock(log, fcntl.LOCK_UN)
        return receipts

    def _take(self, message: OutboundMessage) -> Receipt:
        receipt = Receipt(_gateway_message_id(self.name, message.delivery_id),
                          duplicate=message.delivery_id in self._seen)
        if not receipt.duplicate:
            self._remember(message)
        return receipt

    def _catch_up(self, log: BinaryIO) -> None:
        """Read what any process appended since our last look; the caller holds the lock."""
        size = log.seek(0, os.SEEK_END)
        if size < self._log_offset:  # the file was replaced: start over, keep what we know
            self._log_offset = 0
        log.seek(self._log_offset)
        chunk = log.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        for line in complete.splitlines():
            written = _OUR_LINE.match(line)  # the lines we write, read without parsing JSON
            if written is not None:
                if written[1].decode() == self.name:
                    self._seen.add(written[2].decode())
                continue
            record = _parse(line)
            if record is not None and record.get("channel") == self.name:
                self._seen.add(str(record.get("delivery_id")))
        self._log_offset += len(complete)

    def _append(self, log: BinaryIO, messages: Sequence[OutboundMessage]) -> None:
        if not messages:
            return
        at = datetime.now(UTC).isoformat(timespec="milliseconds")
        lines = []
        for message in messages:
            record: dict[str, object] = {
                "at": at,
                "channel": self.name,
                "delivery_id": message.delivery_id,
                "recipient": message.recipient,
                "body": message.body,
            }
            if message.carries:
                record["delivery_ids"] = list(message.carries)
            lines.append(json.dumps(record, ensure_ascii=False).encode() + b"\n")
        chunk = b"".join(lines)
        # A partial last line can only be a writer that died mid-write: end it, keep ours whole.
        if log.tell() != self._log_offset:
            chunk = b"\n" + chunk
        log.write(chunk)
        # Flushed, not fsynced: a process killed after this line (the fault tests do it)
        # leaves it in the file; only the machine's own crash could lose it.
        log.flush()
        self._log_offset = log.tell()

    def _remember(self, message: OutboundMessage) -> None:
        self._seen.add(message.delivery_id)
        self.accepted.append(message)


def _gateway_message_id(channel: str, delivery_id: str) -> str:
    # Deterministic, so a duplicate answers with the id the first accept got.
    digest = hashlib.sha256(f"{channel}:{delivery_id}".encode()).hexdigest()
    return f"mock-{channel}-{digest[:16]}"


_OUR_LINE = re.compile(rb'\{"at": "[^"]*", "channel": "([a-z0-9_]+)", "delivery_id": "([^"\\]*)"')


def _parse(line: bytes) -> dict[str, object] | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None
