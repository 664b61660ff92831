"""Not a fault, a burst: 100 medium signals in one request (200 messages) while every
gateway takes 3 s a send, a worker of two processes. Nothing may be lost or sent twice, and
no delivery should be claimed twice: in normal operation the idempotency key is a safety
net, not the way duplicates are avoided (a real gateway keeps its keys for a while only).
"""

import pytest

from tests.e2e.stack import eventually
from tests.faults.harness import FaultStack, count_rows

pytestmark = pytest.mark.faults
MESSAGES = 200  # a flash SMS and a 96110 call per signal


def test_a_burst_through_slow_gateways_claims_each_delivery_once(make_stack, report) -> None:
    stack: FaultStack = make_stack(latency_ms="3000")
    stack.start_serve()
    stack.start("scheduler", "scheduler")
    # one worker of two processes: a re-driven message always finds the idle one
    stack.start_worker("worker-1", concurrency=2)
    with stack.client() as feed:
        answers = stack.post(feed, stack.signals("burst", MESSAGES // 2), batch=MESSAGES)
        assert [a.status_code for a in answers] == [202]

    def rounds() -> dict[str, int]:
        return count_rows(stack.database_url, "SELECT rounds, count(*) FROM deliveries "
                          "WHERE channel <> 'duty_page' GROUP BY rounds")

    def sent() -> int:
        return sum(count_rows(stack.database_url, "SELECT state, count(*) FROM deliveries "
                              "WHERE channel <> 'duty_page' AND state = 'sent' "
                              "GROUP BY state").values())

    # Done when everything is sent, or as soon as one delivery was claimed a second time.
    # (Rounds 0 is a delivery not claimed yet, a moment after the commit that made it.)
    eventually(lambda: sent() == MESSAGES or any(int(n) > 1 for n in rounds()), 150,
               "every flash SMS and 96110 call to be sent")
    assert rounds() == {"1": MESSAGES}, f"deliveries claimed more than once: {rounds()}"
    tally = stack.wait_all_warned(timeout_s=30)
    report(tally)
    assert (tally.lost, tally.duplicated) == (0, 0), tally
