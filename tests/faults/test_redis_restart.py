"""Fault 2: Redis restarts (it persists nothing) with 1,000 signals in flight.

Every message it held is gone. The signals were stored before their 202, so the scheduler
re-drives the unprocessed ones and the queued deliveries from the database; workers and
publishers reconnect by themselves.
"""

import pytest

from tests.faults.conftest import Report, Servers, StackFactory

pytestmark = pytest.mark.faults


def test_a_redis_restart_with_1000_signals_in_flight_loses_nothing(
        make_stack: StackFactory, servers: Servers, report: Report) -> None:
    stack = make_stack(latency_ms="20")
    stack.start_serve()
    stack.start("scheduler", "scheduler")
    stack.start_worker("worker-1")
    stack.start_worker("worker-2")
    signals = stack.signals("redis", 1000, kind="scam_sms")
    with stack.client() as feed:
        before = stack.post(feed, signals[:700])
        servers.redis.kill()
        during = stack.post(feed, signals[700:800])  # stored; their messages cannot go out
        servers.redis.start()
        after = stack.post(feed, signals[800:])
    assert {a.status_code for a in before + during + after} == {202}
    assert all(not a.json()["rejected"] for a in before + during + after)
    tally = stack.wait_all_warned(timeout_s=90)
    report(tally)
    assert (tally.lost, tally.duplicated) == (0, 0), tally
    assert "re-driving" in stack.log("scheduler"), "the restart should have lost messages"
    assert set(stack.alive()) == {"serve", "scheduler", "worker-1", "worker-2"}
    assert stack.pii_in_logs() == []
