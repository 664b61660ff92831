"""The duty officers' console on SQLite and PostgreSQL: the queue's order and scope, its
live polling, the case page, and the actions on it — including the answer when someone
else was faster."""

from __future__ import annotations

import json

import pytest
from api_harness import Api
from api_harness import api as api  # the fixture
from console_harness import Person, case_order, csrf_of, person
from sqlalchemy import select

from warn.store.models import Audit


@pytest.fixture
def desk(api: Api) -> Api:
    api.school("sanxia-med", "wanzhou")
    api.team("t1", "wanzhou")
    return api


def _open(api: Api, kind: str, n: int, **subject: str) -> str:
    return api.open_case(kind, msisdn=f"+86139000000{n:02d}", district="wanzhou", **subject)


def _awaiting(api: Api, officer: Person, n: int = 1) -> str:
    """A high case whose mobile-team stage (index 1) waits for a confirmation."""
    case_id = _open(api, "flagged_call", n, name="王某", location="北滨路工商银行大厅")
    callback = api.delivery(case_id, "callback_96110")
    answer = officer.post(f"/deliveries/{callback['id']}/result",
                          {"result": "hung_up", "next": f"/cases/{case_id}"})
    assert answer.status_code == 303, answer.text
    return case_id


def test_queue_puts_overdue_then_awaiting_then_tier_then_age(desk: Api) -> None:
    officer = person(desk, "cui", "officer", district="wanzhou")
    overdue = _open(desk, "flagged_call", 1)
    desk.tick(minutes=1)
    awaiting = _open(desk, "transfer_attempt", 2)
    desk.tick(minutes=1)
    medium = _open(desk, "scam_site_visit", 3)
    desk.tick(minutes=1)
    low = _open(desk, "scam_sms", 4)
    high_new = _open(desk, "flagged_call", 5)
    desk.tick(minutes=4, seconds=30)  # 7.5 min: first one overdue, second awaiting
    page = officer.get("/queue")
    assert page.status_code == 200
    assert case_order(page.text) == [overdue, awaiting, high_new, medium, low]
    assert "确认超时" in page.text and "待确认" in page.text
    other = person(desk, "ma", "officer", district="fuling")
    assert case_order(other.get("/queue").text) == []
    everywhere = person(desk, "boss", "officer")
    assert len(case_order(everywhere.get("/queue").text)) == 5


def test_queue_poll_sends_rows_only_when_something_changed(desk: Api) -> None:
    officer = person(desk, "cui", "officer", district="wanzhou")
    first = officer.get("/queue.json").json()
    assert first["same"] is False and "当前没有在办案件" in first["html"]
    again = officer.get("/queue.json", have=first["sig"]).json()
    assert again == {"sig": first["sig"], "now": again["now"], "same": True}
    case_id = _open(desk, "scam_site_visit", 1, name="郭某")
    changed = officer.get("/queue.json", have=first["sig"]).json()
    assert changed["same"] is False and case_order(changed["html"]) == [case_id]
    assert changed["counts"]["open"] == 1
    with desk.ctx.sessions() as session:
        shown = [json.loads(row.detail)["cases"] for row in session.scalars(
            select(Audit).where(Audit.action == "console_queue").order_by(Audit.id))]
    # The page at sign-in, the first poll, the changed poll; the unchanged poll showed
    # nothing and logged nothing.
    assert shown == [[], [], [case_id]]


def test_case_page_shows_the_subject_ladder_messages_and_timeline(desk: Api) -> None:
    officer = person(desk, "cui", "officer", district="wanzhou")
    case_id = _awaiting(desk, officer)
    page = officer.get(f"/cases/{case_id}")
    assert page.status_code == 200
    for expected in ("王某", "139 0000 0001", "北滨路工商银行大厅", "与涉诈号码通话",
                     "等待您确认", "96110回拨", "挂断", "时间线", "阶段失败", "仍在通话中"):
        assert expected in page.text, expected
    assert 'name="stage" value="1"' in page.text and "csrf" in page.text
    with desk.ctx.sessions() as session:
        viewed = session.scalars(select(Audit.actor).where(Audit.action == "console_case",
                                                           Audit.target == case_id)).all()
    assert viewed == ["cui"]


def test_confirm_dispatches_and_a_second_confirm_says_someone_was_faster(desk: Api) -> None:
    first = person(desk, "cui", "officer", district="wanzhou")
    second = person(desk, "ma", "officer")
    case_id = _awaiting(desk, first)
    stale_page = second.get(f"/cases/{case_id}")
    done = first.post(f"/cases/{case_id}/confirm", {"stage": 1})
    assert done.status_code == 303 and done.headers["location"].endswith("msg=confirmed")
    assert "已确认" in first.get(done.headers["location"]).text
    assert desk.delivery(case_id, "mobile_team")["recipient"] == "t1"
    late = second.post(f"/cases/{case_id}/confirm", {"stage": 1}, csrf=csrf_of(stale_page.text))
    assert late.status_code == 409 and "其他值班员" in late.text
    assert "确认派出" not in late.text  # the page shown is the case as it is now


def test_decline_needs_a_reason_and_moves_the_ladder_on(desk: Api) -> None:
    officer = person(desk, "cui", "officer", district="wanzhou")
    case_id = _awaiting(desk, officer)
    assert officer.post(f"/cases/{case_id}/decline", {"stage": 1}).status_code == 303
    case = desk.case(case_id)
    assert case["stages"][1]["state"] == "declined" and "exhausted" in case["flags"]
    assert officer.post(f"/cases/{case_id}/decline", {"stage": 1}).status_code == 409


def test_outcome_resolves_once_and_refuses_what_is_not_an_outcome(desk: Api) -> None:
    officer = person(desk, "cui", "officer", district="wanzhou")
    case_id = _open(desk, "scam_site_visit", 1)
    wrong = officer.post(f"/cases/{case_id}/outcome", {"outcome": "warned"})
    assert wrong.status_code == 422 and desk.case(case_id)["state"] == "open"
    done = officer.post(f"/cases/{case_id}/outcome", {"outcome": "false_positive",
                                                      "note": "本人报备的测试"})
    assert done.status_code == 303
    assert (desk.case(case_id)["state"], desk.case(case_id)["outcome"]) == \
        ("resolved", "false_positive")
    again = officer.post(f"/cases/{case_id}/outcome", {"outcome": "dissuaded"})
    assert again.status_code == 409 and "已经结案" in again.text
    recent = officer.get("/queue")
    assert case_id in recent.text and "误报" in recent.text  # listed under recently resolved


def test_escalate_ends_the_running_stage(desk: Api) -> None:
    officer = person(desk, "cui", "officer", district="wanzhou")
    case_id = _open(desk, "flagged_call", 1)
    assert officer.post(f"/cases/{case_id}/escalate", {"reason": "本人不接电话"}
                        ).status_code == 303
    assert desk.case(case_id)["stages"][1]["state"] == "awaiting_confirmation"


def test_values_from_feeds_are_shown_literally(desk: Api) -> None:
    officer = person(desk, "cui", "officer", district="wanzhou")
    evil = '<img src=x onerror=alert(1)>{{7*7}}'
    case_id = _open(desk, "scam_site_visit", 1, name=evil, location="<b>x</b>")
    for page in (officer.get("/queue").text, officer.get(f"/cases/{case_id}").text,
                 officer.get("/queue.json").json()["html"]):
        assert "<img src=x" not in page and "<b>x</b>" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;{{7*7}}" in page


def test_pages_are_kept_to_their_roles(desk: Api) -> None:
    liaison = person(desk, "li", "liaison", school="sanxia-med")
    officer = person(desk, "cui", "officer")
    team = person(desk, "tm", "team", team="t1")
    for who, path in ((liaison, "/queue"), (liaison, "/dashboard"), (team, "/queue"),
                      (officer, "/audit"), (officer, "/school"), (team, "/school"),
                      (liaison, "/team")):
        assert who.get(path).status_code == 403, (who.name, path)
    assert liaison.get("/queue.json").status_code == 403
