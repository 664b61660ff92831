"""Fault 5: gateways that fail. With 30 % of all send attempts failing transiently,
everything is still delivered, once. With the 96110 gateway down for good, its stage fails
at once, the ladder moves on without waiting for the stage's timer, and the timeline says
why."""

import pytest

from tests.e2e.stack import eventually
from tests.faults.conftest import Report, StackFactory
from tests.faults.harness import FaultStack, count_rows
from tests.policies import with_stage

pytestmark = pytest.mark.faults

# The first medium stage waits 10 minutes here: within a scenario, the ladder moves on only
# when the stage fails.
SLOW_POLICY = with_stage("medium", 0, wait="10m")


def _start(stack: FaultStack) -> None:
    stack.start_serve()
    stack.start("scheduler", "scheduler")
    stack.start_worker("worker-1")
    stack.start_worker("worker-2")


def test_a_gateway_failing_30_percent_of_attempts_still_delivers_everything_once(
        make_stack: StackFactory, report: Report) -> None:
    stack = make_stack(policy=SLOW_POLICY, fail_rate="0.3")
    _start(stack)
    with stack.client() as feed:
        assert {a.status_code for a in stack.post(feed, stack.signals("flaky", 200))} == {202}
    stack.wait_all_warned(timeout_s=60)

    def settled() -> bool:
        return count_rows(stack.database_url, "SELECT state, count(*) FROM deliveries "
                          "GROUP BY state") == {"sent": 400}

    eventually(settled, 60, "every flash SMS and 96110 call to be sent")
    tally = stack.tally()
    report(tally)
    assert (tally.lost, tally.duplicated) == (0, 0), tally
    assert len(stack.gateway_log()) == 400



def test_96110_down_fails_its_stage_and_the_ladder_moves_on_saying_why(
        make_stack: StackFactory, report: Report) -> None:
    stack = make_stack(policy=SLOW_POLICY, down="callback_96110")
    _start(stack)
    with stack.client() as root:
        assert {a.status_code for a in stack.post(root, stack.signals("down", 20))} == {202}
        def processed() -> list[str] | None:
            ids = [root.get(f"/v1/signals/{signal_id}").json()["case_id"]
                   for signal_id in stack.numbers]
            return ids if all(ids) else None

        case_ids = eventually(processed, 30, "every signal to open its case")

        def moved_on() -> list[dict] | None:
            cases = [root.get(f"/v1/cases/{case_id}").json() for case_id in case_ids]
            done = all("awaiting_confirmation" in case["flags"] for case in cases)
            return cases if done else None

        cases = eventually(moved_on, 30, "every ladder to reach the mobile team stage")
    tally = stack.tally()
    report(tally)
    assert (tally.lost, tally.duplicated) == (0, 0), tally
    assert all(line["channel"] != "callback_96110" for line in stack.gateway_log())
    for case in cases:
        assert [s["state"] for s in case["stages"]] == ["failed", "skipped",
                                                        "awaiting_confirmation"]
        why = {entry["type"]: entry["detail"] for entry in case["timeline"]}
        assert "96110回拨" in why["delivery_failed"], why
        assert "gateway down" in why["delivery_failed"], why
        assert "stage_failed" in why
