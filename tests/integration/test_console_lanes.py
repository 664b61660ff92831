"""The duty room's queue under a flood, on SQLite and PostgreSQL: its lanes (待我处理,
高风险在办, 待回拨, 只需等待), filters and counters; a bulk decline with one reason; the
team named before confirm, another one picked; a team sent at once."""

from __future__ import annotations

import re

import pytest
from api_harness import Api
from api_harness import api as api  # the fixture
from console_harness import Person, case_order, person
from sqlalchemy import select

from warn.console.lists import LANE_PREVIEW
from warn.store.models import Audit


@pytest.fixture
def desk(api: Api) -> Api:
    api.school("sanxia-med", "wanzhou")
    api.team("t1", "wanzhou")
    api.team("f1", "fuling")
    return api


def _number(n: int) -> str:
    return f"+861390000{n:04d}"


def _awaiting(api: Api, officer: Person, n: int) -> str:
    """A high case whose mobile-team stage (index 1) waits for a confirmation."""
    case_id = api.open_case("flagged_call", msisdn=_number(n), district="wanzhou")
    callback = api.delivery(case_id, "callback_96110")
    officer.post(f"/deliveries/{callback['id']}/result", {"result": "hung_up"})
    return case_id


def _medium_asking(api: Api, officer: Person, n: int) -> str:
    """A medium case without a school whose team stage asks for a confirmation: the
    callback was tried, then its 10 minutes ran out."""
    case_id = api.open_case("scam_site_visit", msisdn=_number(n), district="wanzhou")
    callback = api.delivery(case_id, "callback_96110")
    officer.post(f"/deliveries/{callback['id']}/result", {"result": "no_answer"})
    return case_id


def _lane(html: str, lane: str) -> list[str]:
    found = re.search(rf'<section class="lane lane-{lane}".*?</section>', html, re.S)
    assert found, f"no lane {lane}"
    return case_order(found.group(0))


def test_a_new_high_case_leads_its_lane_however_many_medium_ones_are_overdue(desk: Api
                                                                            ) -> None:
    officer = person(desk, "cui", "officer", district="wanzhou")
    overdue = [_medium_asking(desk, officer, n) for n in range(12)]
    desk.tick(minutes=16)  # 10m wait, then 5m confirm: all overdue
    assert all("overdue" in desk.case(c)["flags"] for c in overdue)
    call = desk.open_case("flagged_call", msisdn=_number(99), district="wanzhou")
    page = officer.get("/queue").text
    needs_me, high = _lane(page, "needs_me"), _lane(page, "high")
    assert high == [call]
    assert case_order(page)[0] == call  # the first row of the page
    assert len(needs_me) == LANE_PREVIEW  # the rest of the lane is one click away
    assert "显示本组全部 12 件" in page
    # its team stage asks: still first, now counted among what needs the officer
    other_call = desk.open_case("flagged_call", msisdn=_number(98), district="wanzhou")
    callback = desk.delivery(call, "callback_96110")
    officer.post(f"/deliveries/{callback['id']}/result", {"result": "hung_up"})
    page = officer.get("/queue").text
    assert _lane(page, "high") == [call, other_call]
    assert case_order(officer.get("/queue", mine="1").text)[0] == call


def test_lanes_split_the_work_and_the_counters_link_to_them(desk: Api) -> None:
    officer = person(desk, "cui", "officer", district="wanzhou")
    asking = _awaiting(desk, officer, 1)
    running = desk.open_case("flagged_call", msisdn=_number(2), district="wanzhou")
    medium_asking = _medium_asking(desk, officer, 5)
    desk.tick(minutes=10)
    untried = desk.open_case("scam_site_visit", msisdn=_number(3), district="wanzhou")
    low = desk.open_case("scam_sms", msisdn=_number(4), district="wanzhou")
    page = officer.get("/queue").text
    assert _lane(page, "high") == [asking, running]
    assert _lane(page, "needs_me") == [medium_asking]
    assert _lane(page, "callback") == [untried]
    assert _lane(page, "waiting") == [low]
    assert 'href="/queue?mine=1"' in page and 'href="/queue?tier=high"' in page
    only_mine = officer.get("/queue", mine="1").text  # `running` asks for its team by now
    assert case_order(only_mine) == [asking, running, medium_asking]
    assert case_order(officer.get("/queue", tier="low").text) == [low]
    assert case_order(officer.get("/queue", kind="scam_site_visit").text) == [medium_asking,
                                                                               untried]
    assert "没有符合筛选条件" in officer.get("/queue", school="sanxia-med").text
    poll = officer.get("/queue.json", mine="1").json()
    assert case_order(poll["html"]) == [asking, running, medium_asking]
    assert poll["counts"]["needs_me"] == 3 and poll["counts"]["callback"] == 1


def test_an_opened_lane_shows_every_case_and_the_poll_notices_one_more(desk: Api) -> None:
    officer = person(desk, "cui", "officer", district="wanzhou")
    for n in range(LANE_PREVIEW + 2):
        desk.open_case("scam_sms", msisdn=_number(n), district="wanzhou")
    assert len(_lane(officer.get("/queue").text, "waiting")) == LANE_PREVIEW
    assert len(_lane(officer.get("/queue", lane="waiting").text, "waiting")) == LANE_PREVIEW + 2
    first = officer.get("/queue.json").json()
    desk.open_case("scam_sms", msisdn=_number(50), district="wanzhou")
    # the lane's first rows are the same, but it holds one more: the page must say so
    changed = officer.get("/queue.json", have=first["sig"]).json()
    assert changed["same"] is False and changed["counts"]["open"] == LANE_PREVIEW + 3


def test_bulk_decline_answers_twenty_cases_with_one_reason(desk: Api) -> None:
    officer = person(desk, "cui", "officer", district="wanzhou")
    asking = [_medium_asking(desk, officer, n) for n in range(20)]
    high = _awaiting(desk, officer, 99)
    desk.tick(minutes=10)
    page = officer.get("/queue", mine="1").text
    picks = re.findall(r'name="pick" value="([^"]+)"', page)
    assert len(picks) == 20  # a high case is answered on its own page, not in bulk
    assert not any(pick.startswith(high) for pick in picks)
    no_reason = officer.post("/queue/bulk", {"action": "decline", "pick": picks, "reason": " "})
    assert no_reason.headers["location"].endswith("msg=decline-reason")
    assert all(desk.case(c)["stages"][2]["state"] == "awaiting_confirmation" for c in asking)
    answer = officer.post("/queue/bulk", {"action": "decline", "pick": picks,
                                          "reason": "已电话联系本人，确认安全",
                                          "back": "/queue?mine=1"})
    assert answer.status_code == 303, answer.text
    # the team stage was the medium ladder's last: every one of them is exhausted now
    assert answer.headers["location"] == "/queue?mine=1&msg=decline-20-0-20"
    banner = officer.get(answer.headers["location"]).text
    assert "已否决 20 件" in banner and "其中 20 件已没有下一级" in banner
    for case_id in asking:
        case = desk.case(case_id)
        assert case["stages"][2]["state"] == "declined"
        assert any("已电话联系本人" in t["detail"] for t in case["timeline"])
    with desk.ctx.sessions() as session:
        audited = session.scalars(select(Audit.target).where(Audit.action == "decline")).all()
    assert sorted(audited) == sorted(asking)
    # the same picks again: nothing waits any more, nothing changes, and the page says so
    again = officer.post("/queue/bulk", {"action": "decline", "pick": picks, "reason": "x"})
    assert again.headers["location"].endswith("msg=decline-0-20-0")


def test_bulk_confirm_leaves_alone_what_is_out_of_scope_or_no_longer_waiting(desk: Api
                                                                            ) -> None:
    officer = person(desk, "cui", "officer", district="wanzhou")
    mine = _awaiting(desk, officer, 1)
    other_desk = person(desk, "ma", "officer", district="fuling")
    theirs = desk.open_case("flagged_call", msisdn=_number(2), district="fuling")
    answer = officer.post("/queue/bulk", {"action": "confirm",
                                          "pick": [f"{mine}:1", f"{theirs}:1", "junk"]})
    assert answer.headers["location"].endswith("msg=confirm-1-1")
    assert desk.case(mine)["stages"][1]["state"] == "active"
    assert desk.case(theirs)["stages"][1]["state"] == "pending"
    nothing = officer.post("/queue/bulk", {"action": "decline", "reason": "x"})
    assert nothing.status_code == 422
    liaison = person(desk, "li", "liaison", school="sanxia-med")
    assert liaison.post("/queue/bulk", {"action": "confirm",
                                        "pick": [f"{mine}:1"]}).status_code == 403
    assert other_desk.get("/queue").status_code == 200


def test_the_confirm_panel_names_the_team_and_another_can_be_picked(desk: Api) -> None:
    officer = person(desk, "cui", "officer", district="wanzhou")
    case_id = _awaiting(desk, officer, 1)
    page = officer.get(f"/cases/{case_id}").text
    assert "将派出：<b>t1</b>" in page
    assert re.search(r'<option value="f1">f1 · [^<]*空闲', page)
    done = officer.post(f"/cases/{case_id}/confirm", {"stage": 1, "team": "f1"})
    assert done.status_code == 303, done.text
    teams = [d["recipient"] for d in desk.case(case_id)["deliveries"]
             if d["channel"] == "mobile_team"]
    assert teams == ["f1"]
    second = _awaiting(desk, officer, 2)
    busy = officer.post(f"/cases/{second}/confirm", {"stage": 1, "team": "f1"})
    assert busy.status_code == 409 and "所选的机动队刚刚忙碌" in busy.text


def test_a_team_goes_at_once_in_one_step(desk: Api) -> None:
    officer = person(desk, "cui", "officer", district="wanzhou")
    case_id = desk.open_case("flagged_call", msisdn=_number(1), district="wanzhou")
    page = officer.get(f"/cases/{case_id}").text
    assert 'action="/cases/' + case_id + '/team-now"' in page
    done = officer.post(f"/cases/{case_id}/team-now", {"team": "", "reason": "通话仍在继续"})
    assert done.status_code == 303 and done.headers["location"].endswith("msg=team_sent")
    case = desk.case(case_id)
    assert [s["state"] for s in case["stages"]] == ["passed", "active"]
    assert [d["recipient"] for d in case["deliveries"] if d["channel"] == "mobile_team"] == ["t1"]
    assert case["flags"] == []
    again = officer.post(f"/cases/{case_id}/team-now", {"team": "f1"})
    assert again.status_code == 409


def test_a_later_minor_signal_does_not_hide_the_call_still_going_on(desk: Api) -> None:
    officer = person(desk, "cui", "officer", district="wanzhou")
    case_id = desk.open_case("flagged_call", msisdn=_number(1), district="wanzhou")
    again = desk.signal("scam_sms", msisdn=_number(1), district="wanzhou")
    assert desk.post("root", "/v1/signals", again).status_code == 202
    assert len(desk.case(case_id)["signals"]) == 2
    row = re.search(rf'<tr class="case-row[^>]*data-case="{case_id}".*?</tr>',
                    officer.get("/queue").text, re.S)
    assert row and "通话中" in row.group(0) and "与涉诈号码通话" in row.group(0)
    head = officer.get(f"/cases/{case_id}").text
    assert "通话中" in head.split("处置阶梯")[0]


def test_with_no_team_of_its_district_free_the_confirm_panel_chooses_one_elsewhere(
        desk: Api) -> None:
    officer = person(desk, "cui", "officer", district="wanzhou")
    first, second = _awaiting(desk, officer, 1), _awaiting(desk, officer, 2)
    officer.post(f"/cases/{first}/confirm", {"stage": 1})  # t1, wanzhou's only team, goes
    page = officer.get(f"/cases/{second}").text
    assert "已预选其他辖区的空闲队 <b>f1</b>" in page
    assert re.search(r'<option value="f1" selected>', page)


def test_a_team_sent_at_once_with_none_free_says_it_waits_for_one(desk: Api) -> None:
    officer = person(desk, "cui", "officer", district="wanzhou")
    first = desk.open_case("flagged_call", msisdn=_number(1), district="wanzhou")
    second = desk.open_case("flagged_call", msisdn=_number(2), district="wanzhou")
    officer.post(f"/cases/{first}/team-now", {"team": "f1"})
    officer.post(f"/cases/{second}/team-now", {"team": "t1"})  # every team is out now
    third = desk.open_case("flagged_call", msisdn=_number(3), district="wanzhou")
    done = officer.post(f"/cases/{third}/team-now", {"team": ""})
    assert done.headers["location"].endswith("msg=team_sent_no_team")
    assert "现在没有空闲的机动队" in officer.get(done.headers["location"]).text
    assert desk.case(third)["flags"] == ["no_team"]
