"""The school liaison and mobile team pages on SQLite and PostgreSQL: only their own cases,
by no URL anyone else's; the subject's number masked for liaisons everywhere and shown to
teams; their result buttons."""

from __future__ import annotations

import re

import pytest
from api_harness import MASKED, MSISDN, Api
from api_harness import api as api  # the fixture
from console_harness import Person, case_order, person


@pytest.fixture
def school(api: Api) -> Api:
    api.school("sanxia-med", "wanzhou")
    api.school("other-u", "wanzhou")
    api.team("t1", "wanzhou")
    api.team("t2", "wanzhou")
    return api


def _student_case(api: Api) -> str:
    """A medium case of a sanxia-med student, not yet at the school stage."""
    return api.open_case("scam_site_visit", district="wanzhou", school="sanxia-med",
                         name="郭某", student_no="2023-0412", location="三号宿舍楼")


def _no_full_number(html: str) -> None:
    national = MSISDN[3:]
    assert MSISDN not in html and national not in html
    assert "1234 5678" not in html
    # Every trace of the number is the masked form.
    assert all(html[m.start() - 7:m.start()] == "138****" for m in re.finditer("5678", html))


def test_liaison_sees_its_student_only_once_the_school_is_warned(school: Api) -> None:
    liaison = person(school, "li", "liaison", school="sanxia-med")
    case_id = _student_case(school)
    assert case_order(liaison.get("/school").text) == []
    assert liaison.get(f"/cases/{case_id}").status_code == 404
    school.tick(minutes=10)  # stage 0 waited out: the school group is warned
    page = liaison.get("/school")
    assert case_order(page.text) == [case_id]
    for expected in ("郭某", "2023-0412", MASKED, "登录了涉嫌诈骗的网站", "当面", "已收到",
                     "已劝阻", "未找到", "三号宿舍楼"):
        assert expected in page.text, expected
    _no_full_number(page.text)
    _no_full_number(liaison.get("/school.json").json()["html"])
    assert liaison.get(f"/cases/{case_id}").headers["location"] == f"/school#case-{case_id}"


def test_liaison_acknowledges_then_reports_dissuaded(school: Api) -> None:
    liaison = person(school, "li", "liaison", school="sanxia-med")
    case_id = _student_case(school)
    school.tick(minutes=10)
    delivery = school.delivery(case_id, "school_group")["id"]
    ack = liaison.post(f"/deliveries/{delivery}/result",
                       {"result": "acknowledged", "next": "/school"})
    assert ack.status_code == 303
    assert ack.headers["location"] == f"/school?msg=acknowledged#case-{case_id}"
    page = liaison.get(ack.headers["location"])
    assert "已反馈：已收到" in page.text and "已收到，处理中" in page.text
    assert "acknowledged" in [t["type"] for t in school.case(case_id)["timeline"]]
    done = liaison.post(f"/deliveries/{delivery}/result",
                        {"result": "dissuaded", "note": "班主任在宿舍当面劝阻"})
    assert done.status_code == 303
    assert (school.case(case_id)["state"], school.case(case_id)["outcome"]) == \
        ("resolved", "dissuaded")
    page = liaison.get("/school").text
    assert "已结案：劝阻成功" in page and "班主任在宿舍当面劝阻" in page
    assert 'name="result"' not in page  # nothing left to report on


def test_another_school_cannot_reach_the_case_by_any_url(school: Api) -> None:
    stranger = person(school, "li2", "liaison", school="other-u")
    school.user("li", "liaison", school="sanxia-med")  # the school has someone to warn
    case_id = _student_case(school)
    school.tick(minutes=10)
    delivery = school.delivery(case_id, "school_group")["id"]
    assert case_id not in stranger.get("/school").text
    assert case_id not in stranger.get("/school.json").text
    for path in (f"/cases/{case_id}", f"/cases/{case_id}/state.json"):
        assert stranger.get(path).status_code == 404, path
    for path, form in ((f"/deliveries/{delivery}/result", {"result": "dissuaded"}),
                       (f"/cases/{case_id}/outcome", {"outcome": "dissuaded"}),
                       (f"/cases/{case_id}/confirm", {"stage": 1})):
        answer = stranger.post(path, form)
        assert answer.status_code == 404 and case_id not in answer.text, path
    assert school.case(case_id)["state"] == "open"
    unknown = stranger.get("/cases/no-such-case")
    assert unknown.status_code == 404 and unknown.text == stranger.get(f"/cases/{case_id}").text


def test_a_liaison_cannot_act_as_an_officer(school: Api) -> None:
    liaison = person(school, "li", "liaison", school="sanxia-med")
    case_id = _student_case(school)
    school.tick(minutes=10)
    answer = liaison.post(f"/cases/{case_id}/outcome", {"outcome": "false_positive"})
    assert answer.status_code == 403 and school.case(case_id)["state"] == "open"


def _dispatched(api: Api, officer: Person) -> str:
    case_id = api.open_case("flagged_call", district="wanzhou", name="王某",
                            location="万州区北滨路工商银行大厅")
    callback = api.delivery(case_id, "callback_96110")["id"]
    officer.post(f"/deliveries/{callback}/result", {"result": "hung_up"})
    assert officer.post(f"/cases/{case_id}/confirm", {"stage": 1}).status_code == 303
    return case_id


def test_team_sees_where_to_go_and_whom_to_call_and_reports(school: Api) -> None:
    officer = person(school, "cui", "officer", district="wanzhou")
    team = person(school, "tm", "team", team="t1")
    other_team = person(school, "tm2", "team", team="t2")
    case_id = _dispatched(school, officer)
    page = team.get("/team").text
    assert case_order(page) == [case_id]
    for expected in ("万州区北滨路工商银行大厅", "王某", f'href="tel:{MSISDN}"', "138 1234 5678",
                     "已到达", "可能仍在通话"):
        assert expected in page, expected
    assert case_order(other_team.get("/team").text) == []
    dispatch = school.delivery(case_id, "mobile_team")["id"]
    assert other_team.post(f"/deliveries/{dispatch}/result",
                           {"result": "arrived"}).status_code == 404
    arrived = team.post(f"/deliveries/{dispatch}/result", {"result": "arrived", "next": "/team"})
    assert arrived.status_code == 303 and "已到达现场" in team.get("/team").text
    wrong = team.post(f"/deliveries/{dispatch}/result", {"result": "hung_up"})
    assert wrong.status_code == 422
    team.post(f"/deliveries/{dispatch}/result", {"result": "dissuaded"})
    assert school.case(case_id)["outcome"] == "dissuaded"


def test_field_poll_answers_same_until_a_card_changes(school: Api) -> None:
    liaison = person(school, "li", "liaison", school="sanxia-med")
    first = liaison.get("/school.json").json()
    assert liaison.get("/school.json", have=first["sig"]).json()["same"] is True
    _student_case(school)
    school.tick(minutes=10)
    changed = liaison.get("/school.json", have=first["sig"]).json()
    assert changed["same"] is False and changed["counts"] == {"open": 1, "waiting": 1}


def test_the_audit_log_finds_everything_about_a_case(school: Api) -> None:
    stranger = person(school, "li2", "liaison", school="other-u")
    liaison = person(school, "li", "liaison", school="sanxia-med")
    admin = person(school, "boss", "admin")
    case_id = _student_case(school)
    school.tick(minutes=10)
    liaison.get("/school")
    stranger.get(f"/cases/{case_id}")
    delivery = school.delivery(case_id, "school_group")["id"]
    liaison.post(f"/deliveries/{delivery}/result", {"result": "acknowledged"})
    page = admin.get("/audit", target=case_id).text
    for expected in ("查看学校预警", "访问不存在或无权的案件", "反馈结果", "接口读取案件"):
        assert expected in page, expected
    assert "li2" in page and f"/cases/{case_id}" in page
    assert stranger.get("/audit").status_code == 403


def test_a_high_card_stays_on_top_and_a_passed_school_stage_asks_nothing(school: Api) -> None:
    liaison = person(school, "zhang", "liaison", school="sanxia-med")
    medium = _student_case(school)
    school.tick(minutes=10)  # its school stage goes out: 5 minutes to acknowledge
    high = school.open_case("flagged_call", msisdn="+8613900002222", district="wanzhou",
                            school="sanxia-med", name="王某")
    assert case_order(liaison.get("/school").text)[:2] == [high, medium]
    delivery = school.delivery(high, "school_group")
    answer = liaison.post(f"/deliveries/{delivery['id']}/result",
                          {"result": "acknowledged", "next": "/school"})
    assert answer.status_code == 303, answer.text
    page = liaison.get("/school").text
    assert case_order(page)[:2] == [high, medium]  # acknowledged, still above the medium
    school.tick(minutes=6)  # the medium's school stage has passed without an answer
    card = re.search(rf'<article[^>]*data-case="{medium}".*?</article>',
                     liaison.get("/school").text, re.S)
    assert card and "尚未回复" in card.group(0) and "待确认收到" not in card.group(0)
    assert 'data-alert="field"' not in card.group(0)
