"""Fault 3: PostgreSQL stops while signals are being processed, then starts again.

While it is down, ingest answers 503 with a clear JSON error and stores nothing; once it is
back every process finds it again by itself (no restarts) and everything stored before the
stop is warned, once.
"""

import time

import pytest

from tests.e2e.stack import eventually
from tests.faults.conftest import Report, Servers, StackFactory

pytestmark = pytest.mark.faults


def test_postgres_down_answers_503_stores_nothing_and_recovers_by_itself(
        make_stack: StackFactory, servers: Servers, report: Report) -> None:
    stack = make_stack(latency_ms="300")
    stack.start_serve()
    stack.start("scheduler", "scheduler")
    stack.start_worker("worker-1")
    stack.start_worker("worker-2")
    pids = None
    with stack.client() as feed:
        first = stack.post(feed, stack.signals("pg-before", 200), batch=50)
        assert {a.status_code for a in first} == {202}
        pids = stack.alive()
        assert stack.tally().lost > 0, "the stop should come with work in flight"
        servers.postgres.stop()
        refused = stack.signals("pg-during", 50)
        down = feed.post("/v1/signals", json={"signals": refused})
        assert down.status_code == 503, down.text
        assert down.json()["error"]["code"] == "store_unavailable"
        assert down.headers["retry-after"]
        one = feed.post("/v1/signals", json=refused[0])
        assert one.status_code == 503 and one.json()["error"]["message"]
        assert feed.get("/healthz").status_code == 503
        time.sleep(3)  # long enough for every process to hit the outage
        servers.postgres.start()
        eventually(lambda: feed.get("/healthz").status_code == 200, 30, "/healthz to be 200")
        again = feed.post("/v1/signals", json={"signals": refused})
        assert again.status_code == 202, again.text
        # nothing of the refused batch had been stored: every id is new now
        assert [a["duplicate"] for a in again.json()["accepted"]] == [False] * len(refused)
    tally = stack.wait_all_warned(timeout_s=90)
    report(tally)
    assert (tally.lost, tally.duplicated) == (0, 0), tally
    assert stack.alive() == pids, "no process may need a restart"
    assert stack.pii_in_logs() == []
