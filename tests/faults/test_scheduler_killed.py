"""Fault 4: the scheduler is killed while timers come due; it starts again, and a second
scheduler with it. Every timer fires, and fires once.

The medium ladder here: flash SMS + 96110 with a 2 s wait, the school stage (skipped: the
subjects have no school), then the mobile team stage that waits 2 s for an officer's
confirmation. So each case needs two timers, and shows each firing in the gateways' record
as one duty page: "confirm" when its first timer fires, "overdue" when its second does.
"""

import time
from collections import Counter

import pytest

from tests.e2e.stack import eventually
from tests.faults.conftest import Report, StackFactory
from tests.faults.harness import FaultStack, count_rows
from tests.policies import with_stage

pytestmark = pytest.mark.faults

POLICY = with_stage("medium", 2, confirm="2s", base=with_stage("medium", 0, wait="2s"))
CASES = 100


def _duty_pages(stack: FaultStack) -> Counter[str]:
    """Duty pages per case (a delivery id is `<case id>-<n>`), counted from the grouped
    messages that carried them to the officer (`delivery_ids`)."""
    return Counter(page.rsplit("-", 1)[0] for line in stack.gateway_log()
                   if line["channel"] == "duty_page" for page in line["delivery_ids"])


def test_timers_due_while_the_scheduler_is_dead_fire_once_even_with_two_schedulers(
        make_stack: StackFactory, report: Report) -> None:
    stack = make_stack(policy=POLICY)
    # The officer's pages are grouped; a short gap keeps the scenario about the timers.
    stack.env["WARN_PAGE_EVERY"] = "5s"
    stack.start_serve()
    stack.start_worker("worker-1")
    stack.start_worker("worker-2")
    stack.start("scheduler-1", "scheduler")
    with stack.client() as feed:
        started = time.monotonic()
        assert {a.status_code for a in stack.post(feed, stack.signals("sched", CASES), 50)} \
            == {202}
    eventually(lambda: stack.tally().lost == 0, 30, "every first warning")
    time.sleep(max(0.0, started + 2.0 - time.monotonic()))  # the first timers come due
    stack.kill("scheduler-1")
    time.sleep(3)  # every case's first timer is due now, and nobody fires it
    assert len(_duty_pages(stack)) < CASES, "timers should be waiting for a scheduler"
    stack.start("scheduler-1", "scheduler")
    stack.start("scheduler-2", "scheduler")
    eventually(lambda: sum(_duty_pages(stack).values()) >= 2 * CASES, 60, "both duty pages")
    time.sleep(2)  # time for a timer fired twice to show itself
    tally = stack.tally()
    report(tally)
    pages = _duty_pages(stack)
    assert (tally.lost, tally.duplicated) == (0, 0), tally
    assert len(pages) == CASES and set(pages.values()) == {2}, pages.most_common(3)
    overdue = count_rows(stack.database_url, "SELECT type, count(*) FROM timeline "
                         "WHERE type = 'overdue' GROUP BY type")
    assert overdue == {"overdue": CASES}
    left = count_rows(stack.database_url, "SELECT status, count(*) FROM timers "
                      "WHERE status IN ('pending', 'claimed') GROUP BY status")
    assert left == {}, "every due timer has fired"
    assert stack.pii_in_logs() == []
