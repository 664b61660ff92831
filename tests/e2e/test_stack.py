"""End to end over HTTP: the distributed stack (serve, two workers, a scheduler on
PostgreSQL + Redis, each its own OS process) and embedded `warn serve`, with a policy whose
durations are seconds."""

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.stack import Stack, eventually, stack_env

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["distributed", "embedded"])
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    if request.param == "distributed":
        env = stack_env(tmp_path, request.getfixturevalue("fresh_pg_url"),
                        request.getfixturevalue("redis_url"))
    else:
        env = stack_env(tmp_path, f"sqlite:///{tmp_path / 'warn.db'}", None)
    stack = Stack(env, tmp_path)
    stack.cli("db", "upgrade")
    stack.cli("school", "add", "sanxia-med", "--name", "重庆三峡医药高等专科学校",
              "--district", "wanzhou")
    stack.cli("team", "add", "wz-team-1", "--district", "wanzhou")
    stack.start("serve", "serve", "--port", str(stack.port))
    if request.param == "distributed":
        stack.start("worker-1", "worker", "--concurrency", "1")
        stack.start("worker-2", "worker", "--concurrency", "1")
        stack.start("scheduler", "scheduler")
    try:
        stack.wait_healthy()
        yield stack
    finally:
        stack.stop()


def post_signal(feed: httpx.Client, signal_id: str, kind: str, subject: dict[str, Any],
                **attributes: Any) -> str:
    answer = feed.post("/v1/signals", json={
        "id": signal_id, "kind": kind, "observed_at": datetime.now(UTC).isoformat(),
        "subject": subject, "attributes": attributes})
    assert answer.status_code == 202, answer.text
    return eventually(lambda: feed.get(f"/v1/signals/{signal_id}").json()["case_id"],
                      what=f"signal {signal_id} to join a case")


def case_where(client: httpx.Client, case_id: str, test: Any, what: str) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        case = client.get(f"/v1/cases/{case_id}").json()
        return case if test(case) else None

    return eventually(check, what=what)


def delivery(case: dict[str, Any], channel: str) -> dict[str, Any]:
    return [d for d in case["deliveries"] if d["channel"] == channel][-1]


def test_wanzhou_student_and_escalation_by_timer(stack: Stack) -> None:
    feed = stack.user("city-feed", "feed")
    officer = stack.user("cui", "officer", "--district", "wanzhou")
    liaison = stack.user("sanxia-security", "liaison", "--school", "sanxia-med")
    team = stack.user("wz-team-1", "team", "--team", "wz-team-1")

    # Wanzhou: scam site → flash + 96110 → hangs up → school group → dissuaded in person.
    student = post_signal(feed, "city-1", "scam_site_visit", {
        "msisdn": "+8613812345678", "name": "郭某", "district": "wanzhou",
        "school": "sanxia-med", "student_no": "2023-0412"}, url="hxxp://pay[.]cn")
    case = case_where(officer, student, lambda c: {d["state"] for d in c["deliveries"]}
                      == {"sent"} and len(c["deliveries"]) == 2, "flash + callback sent")
    assert liaison.get(f"/v1/cases/{student}").status_code == 404
    hung_up = officer.post(f"/v1/deliveries/{delivery(case, 'callback_96110')['id']}/result",
                           json={"result": "hung_up"})
    assert hung_up.status_code == 200, hung_up.text
    seen = case_where(liaison, student, lambda c: any(
        d["channel"] == "school_group" for d in c["deliveries"]), "the school group notice")
    assert "+8613812345678" not in str(seen) and "138****5678" in str(seen)
    done = liaison.post(f"/v1/deliveries/{delivery(seen, 'school_group')['id']}/result",
                        json={"result": "dissuaded", "note": "班主任当面劝阻"})
    assert done.status_code == 200, done.text
    final = officer.get(f"/v1/cases/{student}").json()
    assert (final["state"], final["outcome"]) == ("resolved", "dissuaded")

    # Escalation by timer: nobody answers; wait runs out, the school stage is skipped, the
    # team stage waits for an officer, goes overdue, is confirmed and the team goes.
    adult = post_signal(feed, "bank-1", "fraud_app_install",
                        {"msisdn": "+8613900001111", "district": "wanzhou"}, app="远程协助")
    overdue = case_where(officer, adult, lambda c: "overdue" in c["flags"], "overdue flag")
    assert [s["state"] for s in overdue["stages"]] == ["passed", "skipped",
                                                       "awaiting_confirmation"]
    pages = [d for d in overdue["deliveries"] if d["channel"] == "duty_page"]
    assert [p["recipient"] for p in pages] == ["cui", "cui"]
    confirmed = officer.post(f"/v1/cases/{adult}/confirm", json={"stage": 2})
    assert confirmed.status_code == 200, confirmed.text
    assert officer.post(f"/v1/cases/{adult}/confirm", json={"stage": 2}).status_code == 409
    dispatched = case_where(team, adult, lambda c: delivery(c, "mobile_team")["state"] ==
                            "sent", "the team dispatch")
    arrived = team.post(f"/v1/deliveries/{delivery(dispatched, 'mobile_team')['id']}/result",
                        json={"result": "arrived"})
    assert arrived.status_code == 200, arrived.text
    exhausted = case_where(officer, adult, lambda c: "exhausted" in c["flags"],
                           "the ladder to run out after the team stage's wait")
    assert exhausted["stages"][-1]["state"] == "passed"
    outcome = officer.post(f"/v1/cases/{adult}/outcome", json={"outcome": "victimized"})
    assert outcome.status_code == 200 and outcome.json()["state"] == "resolved"

    sends = Counter(line["delivery_id"] for line in stack.gateway_log())
    assert sends and max(sends.values()) == 1, "a delivery reached the gateway twice"
