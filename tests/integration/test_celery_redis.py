"""The Celery tasks on the real Redis broker and PostgreSQL: a signal goes in through the
service, the worker (a thread here) processes it and the gateway records the warnings."""

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from warn.config import settings_from_env
from warn.service.ingest import ingest
from workers import runtime
from workers.embedded import EmbeddedRuntime


@pytest.fixture
def distributed(clean_pg: str, redis_url: str, mock_log: Path,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[runtime.Runtime]:
    monkeypatch.setenv("WARN_DATABASE_URL", clean_pg)
    monkeypatch.setenv("WARN_BROKER_URL", redis_url)
    built = runtime.build(settings_from_env())
    monkeypatch.setattr(runtime, "_current", built)
    workers = EmbeddedRuntime(built)
    workers.start()
    yield built
    workers.stop()
    built.ctx.engine.dispose()


def wait_for_lines(path: Path, count: int, timeout_s: float = 20) -> list[dict[str, str]]:
    deadline = time.monotonic() + timeout_s
    lines: list[dict[str, str]] = []
    while time.monotonic() < deadline:
        if path.exists():
            lines = [json.loads(x) for x in path.read_text().splitlines() if x]
            if len(lines) >= count:
                return lines
        time.sleep(0.05)
    raise AssertionError(f"gateway recorded {len(lines)} messages, expected {count}")


def test_a_signal_travels_through_redis_to_the_gateways(distributed: runtime.Runtime,
                                                        mock_log: Path) -> None:
    from datetime import UTC, datetime

    (accepted, refused), work = ingest(distributed.ctx, [{
        "id": "carrier-1", "kind": "flagged_call", "observed_at": datetime.now(UTC).isoformat(),
        "subject": {"msisdn": "+8613812345678"},
        "attributes": {"caller": "+85212345678", "duration_s": 900, "ongoing": True}}])
    assert [a.id for a in accepted] == ["carrier-1"] and not refused
    assert len(work.urgent_signals) == 1 and not work.bulk_signals  # an ongoing call
    distributed.hand_off(work)
    lines = wait_for_lines(mock_log, 2)
    assert sorted(line["channel"] for line in lines) == ["callback_96110", "flash_sms"]
    assert {line["recipient"] for line in lines} == {"+8613812345678"}
