"""The Celery tasks on the real Redis broker and PostgreSQL: a signal goes in through the
service, the worker (a thread here) processes it and the gateway records the warnings."""

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from warn import runtime
from warn.embedded import EmbeddedRuntime
from warn.service.ingest import ingest


@pytest.fixture
def distributed(clean_pg: str, redis_url: str, mock_log: Path,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[runtime.Context]:
    monkeypatch.setenv("WARN_DATABASE_URL", clean_pg)
    monkeypatch.setenv("WARN_BROKER_URL", redis_url)
    runtime.context.cache_clear()
    ctx = runtime.context()
    workers = EmbeddedRuntime(ctx)
    workers.start()
    yield ctx
    workers.stop()
    ctx.engine.dispose()
    runtime.context.cache_clear()


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


def test_a_signal_travels_through_redis_to_the_gateways(distributed: runtime.Context,
                                                        mock_log: Path) -> None:
    from datetime import UTC, datetime

    accepted, refused = ingest(distributed, [{
        "id": "carrier-1", "kind": "flagged_call", "observed_at": datetime.now(UTC).isoformat(),
        "subject": {"msisdn": "+8613812345678"},
        "attributes": {"caller": "+85212345678", "duration_s": 900, "ongoing": True}}])
    assert [a.id for a in accepted] == ["carrier-1"] and not refused
    lines = wait_for_lines(mock_log, 2)
    assert sorted(line["channel"] for line in lines) == ["callback_96110", "flash_sms"]
    assert {line["recipient"] for line in lines} == {"+8613812345678"}
