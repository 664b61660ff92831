"""Fault 1: `kill -9` a worker while deliveries are in flight, then start it again.

The gateways take 400 ms a send (half before they accept, half before they answer), so
when the worker dies some of its messages are accepted without the worker knowing. Its
claims expire (30 s lease), the scheduler re-drives them, and the re-sends carry the same
idempotency key: the gateway answers "already accepted", nobody gets a message twice.
"""

import time

import pytest

from tests.e2e.stack import eventually
from tests.faults.conftest import Report, StackFactory
from tests.faults.harness import FaultStack

pytestmark = pytest.mark.faults


def _in_flight(stack: FaultStack, at_least: int) -> bool:
    return len(stack.gateway_log()) >= at_least


def test_a_worker_killed_mid_delivery_loses_nothing_and_sends_nothing_twice(
        make_stack: StackFactory, report: Report) -> None:
    stack = make_stack(latency_ms="400")
    stack.start_serve()
    stack.start("scheduler", "scheduler")
    stack.start_worker("worker-1", concurrency=4)
    stack.start_worker("worker-2", concurrency=4)
    with stack.client() as root:
        answers = stack.post(root, stack.signals("kill9", 120), batch=20)
        assert {a.status_code for a in answers} == {202}
        for _ in range(2):  # twice: the second kill lands on re-driven work too
            eventually(lambda: _in_flight(stack, 20), 30, "deliveries to be in flight")
            stack.kill("worker-1")
            time.sleep(1)
            stack.start_worker("worker-1", concurrency=4)
            time.sleep(3)
    tally = stack.wait_all_warned(timeout_s=90)
    report(tally)
    assert (tally.lost, tally.duplicated) == (0, 0), tally
    assert stack.pii_in_logs() == []
