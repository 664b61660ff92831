"""No personal data in log lines: not the subject's number (in any spelling), not the name.

A whole flow runs through embedded `warn serve` (API, worker and scheduler threads in one
process, with its log at INFO): signals, deliveries, results, the school notice, a refused
request and a failed send. The distributed processes are checked the same way after every
fault scenario (tests/faults), where the error paths run too.
"""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from tests.e2e.stack import Stack, eventually, stack_env
from warn.store.db import make_engine, upgrade
from warn.store.models import SignalRow

MSISDN, NATIONAL, NAME = "+8613812345678", "13812345678", "郭某某"

pytestmark = pytest.mark.e2e


def test_database_errors_do_not_carry_the_statements_parameters(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warn.db'}"
    upgrade(url)
    engine = make_engine(url)
    row = {"id": "s1", "kind": "scam_sms", "msisdn": MSISDN, "content_hash": "h",
           "payload": {"subject": {"name": NAME}}, "state": "received"}
    with pytest.raises(IntegrityError) as failure, engine.begin() as conn:
        conn.execute(insert(SignalRow), [row])  # no observed_at: NOT NULL fails
    engine.dispose()
    assert NATIONAL not in str(failure.value) and NAME not in str(failure.value)


def test_a_full_flow_logs_no_number_and_no_name(tmp_path: Path) -> None:
    env = stack_env(tmp_path, f"sqlite:///{tmp_path / 'warn.db'}", None)
    env["WARN_MOCK_DOWN"] = "mobile_team"  # a failed send on the way, with its error path
    stack = Stack(env, tmp_path)
    stack.cli("school", "add", "sanxia-med", "--name", "三峡医专", "--district", "wanzhou")
    stack.cli("team", "add", "wz-team-1", "--district", "wanzhou")
    stack.start("serve", "serve", "--port", str(stack.port))
    try:
        stack.wait_healthy()
        _drive(stack)
    finally:
        stack.stop()
    lines = [line for path in tmp_path.glob("*.log")
             for line in path.read_text(errors="replace").splitlines()]
    assert len(lines) > 20, "the server should have logged the flow"
    leaks = [line for line in lines if NATIONAL in line.replace(" ", "").replace("-", "")
             or NAME in line]
    assert leaks == []


def _drive(stack: Stack) -> None:
    feed = stack.user("feed", "feed")
    officer = stack.user("cui", "officer", "--district", "wanzhou")
    liaison = stack.user("sanxia", "liaison", "--school", "sanxia-med")
    subject = {"msisdn": MSISDN, "name": NAME, "district": "wanzhou", "school": "sanxia-med",
               "student_no": "2023-0412", "location": "万州区北滨路"}
    signal = {"id": "pii-1", "kind": "flagged_call", "observed_at": "2026-01-01T00:00:00Z",
              "subject": subject, "attributes": {"caller": "+85212345678", "duration_s": 3600}}
    assert feed.post("/v1/signals", json=signal).status_code == 422  # too old: refused
    signal["observed_at"] = _now()
    assert feed.post("/v1/signals", json=signal).status_code == 202
    case_id = eventually(lambda: feed.get("/v1/signals/pii-1").json()["case_id"])

    def delivered(channel: str) -> dict:
        def find() -> dict | None:
            items = officer.get(f"/v1/deliveries?case_id={case_id}").json()["items"]
            return next((d for d in items if d["channel"] == channel and d["state"] == "sent"),
                        None)
        return eventually(find, what=f"a sent {channel}")

    officer.post(f"/v1/deliveries/{delivered('callback_96110')['id']}/result",
                 json={"result": "hung_up", "note": f"rang {MSISDN}, {NAME} hung up"})
    liaison.post(f"/v1/deliveries/{delivered('school_group')['id']}/result",
                 json={"result": "not_found"})
    eventually(lambda: "awaiting_confirmation" in officer.get(f"/v1/cases/{case_id}")
               .json()["flags"], what="the team stage")
    officer.post(f"/v1/cases/{case_id}/confirm", json={"stage": 1})
    eventually(lambda: "exhausted" in officer.get(f"/v1/cases/{case_id}").json()["flags"],
               what="the team send to fail and the ladder to run out")
    officer.post(f"/v1/cases/{case_id}/outcome",
                 json={"outcome": "dissuaded", "note": f"{NAME} 已劝阻"})


def _now() -> str:
    return datetime.now(UTC).isoformat()
