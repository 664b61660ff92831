"""Reporting upward on SQLite and PostgreSQL: the money of each case (at risk, saved, lost),
the dashboard's breakdowns by school, fraud type and team, the CSV exports (Excel's BOM,
Chinese headers, formula injection, scope, audit) and the printable case sheet."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from api_harness import MSISDN, Api
from api_harness import api as api  # the fixture
from console_harness import Person, person
from sqlalchemy import select

from warn.access.principal import Principal
from warn.console import reporting
from warn.console.dashboard import dashboard
from warn.console.exports import BOM, guarded
from warn.service.registration import add_district
from warn.store.models import Audit

WANZHOU = Principal("cui", "officer", district="wanzhou")


def _signal(api: Api, kind: str, attributes: dict[str, Any], **subject: str) -> str:
    body = api.signal(kind, attributes=attributes, district="wanzhou", **subject)
    answer = api.post("root", "/v1/signals", body)
    assert answer.status_code == 202, answer.text
    case_id = api.get("root", f"/v1/signals/{body['id']}").json()["case_id"]
    assert case_id
    return str(case_id)


def _resolve(api: Api, case_id: str, outcome: str) -> None:
    answer = api.post("root", f"/v1/cases/{case_id}/outcome", {"outcome": outcome})
    assert answer.status_code == 200, answer.text


@pytest.fixture
def night(api: Api) -> dict[str, str]:
    """A student dissuaded after two reports of one transfer and a second transfer; a man
    who lost his money after a mobile team went; a case with no money; one in Fuling."""
    api.school("sanxia-med", "wanzhou")
    api.team("wz-1", "wanzhou")
    add_district(api.ctx, "fuling", "涪陵区")
    transfer = {"account": "6222000011112222", "amount_cny": 60000,
                "fraud_type": "impersonating_police"}
    student = _signal(api, "transfer_attempt", transfer, name="郭某", school="sanxia-med",
                      student_no="2023-0412")
    _signal(api, "transfer_attempt", transfer, name="郭某", school="sanxia-med")  # reported twice
    _signal(api, "transfer_attempt", {**transfer, "account": "6222000099998888",
                                      "amount_cny": 30000.5}, name="郭某", school="sanxia-med")
    _resolve(api, student, "dissuaded")
    victim = _signal(api, "transfer_attempt", {"account": "6217000000000001", "amount_cny": 8000,
                                               "fraud_type": "fake_loan"},
                     msisdn="+8613900000002", name="=HYPERLINK(\"http://x\")")
    api.tick(minutes=5)  # the first stage waited out: the team awaits a confirmation
    stage = next(s["index"] for s in api.case(victim)["stages"]
                 if s["state"] == "awaiting_confirmation")
    assert api.post("root", f"/v1/cases/{victim}/confirm", {"stage": stage}).status_code == 200
    _resolve(api, victim, "victimized")
    quiet = api.open_case("scam_site_visit", msisdn="+8613900000003", district="wanzhou",
                          name="李某")
    fuling = api.open_case("transfer_attempt", msisdn="+8613900000004", district="fuling",
                           name="周某")
    return {"student": student, "victim": victim, "quiet": quiet, "fuling": fuling}


def test_each_case_counts_its_money_once_and_its_outcome_says_what_became_of_it(
        api: Api, night: dict[str, str]) -> None:
    with api.ctx.reads() as session:
        at_risk = reporting.at_risk_of(session, night.values())
    assert at_risk == {night["student"]: 90000.5, night["victim"]: 8000.0,
                       night["fuling"]: 60000.0}
    assert reporting.money_of(90000.5, "dissuaded") == reporting.Money(90000.5, 90000.5, 0)
    assert reporting.money_of(8000, "victimized") == reporting.Money(8000, 0, 8000)
    assert reporting.money_of(60000, None) == reporting.Money(60000, 0, 0)

    month = dashboard(api.ctx, WANZHOU)["figures"]["month"]
    assert (month["at_risk"], month["saved"], month["lost"]) == \
        ("98,000.50元", "90,000.50元", "8,000元")  # Fuling's case is not Wanzhou's


def test_breakdowns_by_school_fraud_type_and_team(api: Api, night: dict[str, str]) -> None:
    view = dashboard(api.ctx, WANZHOU)["breakdowns"]
    schools = dict(view["school"])
    assert schools["sanxia-med 学院"]["cases"] == 1
    assert schools["sanxia-med 学院"]["saved"] == "90,000.50元"
    assert schools["非在校学生或学校未登记"]["cases"] == 2
    frauds = dict(view["fraud"])
    assert (frauds["冒充公检法"]["dissuaded"], frauds["虚假贷款"]["victimized"]) == (1, 1)
    assert frauds["虚假贷款"]["lost"] == "8,000元" and frauds["未注明类型"]["cases"] == 1
    teams = dict(view["team"])
    assert list(teams) == ["wz-1"] and teams["wz-1"]["victimized"] == 1


def _rows(answer: Any) -> list[list[str]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    raw = answer.content
    assert raw.startswith(BOM.encode()), raw[:10]
    text = raw.decode("utf-8")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text[1:])))


def _audits(api: Api, action: str) -> list[dict[str, Any]]:
    with api.ctx.sessions() as session:
        return [json.loads(row.detail) for row in session.scalars(
            select(Audit).where(Audit.action == action).order_by(Audit.id))]


def test_cases_csv_opens_in_excel_masks_numbers_and_guards_formulas(
        api: Api, night: dict[str, str]) -> None:
    officer = person(api, "cui", "officer", district="wanzhou")
    rows = _rows(officer.get("/export/cases.csv"))
    assert rows[0][:4] == ["案件编号", "立案时间", "结案时间", "状态"]
    by_id = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(by_id) == {night["student"], night["victim"], night["quiet"]}  # not Fuling's
    student = by_id[night["student"]]
    assert (student["结果"], student["学校"], student["诈骗类型"]) == \
        ("劝阻成功", "sanxia-med 学院", "冒充公检法")
    assert (student["涉及金额（元）"], student["避免损失（元）"], student["已被骗金额（元）"]) == \
        ("90000.5", "90000.5", "0")
    assert student["手机号（隐去中间四位）"] == "138****5678"
    assert by_id[night["victim"]]["姓名"] == "'=HYPERLINK(\"http://x\")"
    assert by_id[night["quiet"]]["状态"] == "在办"
    whole = officer.get("/export/cases.csv").content.decode()
    assert MSISDN[3:] not in whole and "13900000002" not in whole

    audit = _audits(api, "export_cases")[-1]
    assert (audit["state"], audit["status"]) == ("all", 200)
    assert audit["from"] < audit["to"] and len(audit["to"]) == len("2026-02-24")
    assert sorted(audit["cases"]) == sorted(by_id)
    assert "5678" not in json.dumps(audit)


def test_cases_csv_filters_and_refuses_what_it_cannot_use(api: Api, night: dict[str, str]
                                                         ) -> None:
    officer = person(api, "cui", "officer", district="wanzhou")
    resolved = _rows(officer.get("/export/cases.csv", state="resolved"))
    assert {row[0] for row in resolved[1:]} == {night["student"], night["victim"]}
    assert len(_rows(officer.get("/export/cases.csv", start="2020-01-01", end="2020-01-31"))) == 1
    for params, words in (({"start": "2026-13-01"}, "日期格式不对"),
                          ({"start": "2026-02-10", "end": "2026-02-01"}, "开始日期晚于结束日期"),
                          ({"start": "2020-01-01", "end": "2026-01-01"}, "最多导出 366 天"),
                          ({"state": "gone"}, "状态只能是")):
        answer = officer.get("/export/cases.csv", **params)
        assert answer.status_code == 422 and words in answer.text, params


def test_exports_keep_to_scope_and_roles(api: Api, night: dict[str, str]) -> None:
    fuling = person(api, "zhou", "officer", district="fuling")
    rows = _rows(fuling.get("/export/cases.csv"))
    assert [row[0] for row in rows[1:]] == [night["fuling"]]
    liaison = person(api, "li", "liaison", school="sanxia-med")
    team = person(api, "t", "team", team="wz-1")
    for who in (liaison, team):
        for path in ("/export/cases.csv", "/export/dashboard.csv",
                     f"/cases/{night['student']}/sheet"):
            answer = who.get(path)
            assert answer.status_code == 403, (who.name, path)
            assert "郭某" not in answer.text


def test_dashboard_csv_has_totals_days_and_breakdowns(api: Api, night: dict[str, str]) -> None:
    officer = person(api, "cui", "officer", district="wanzhou")
    rows = _rows(officer.get("/export/dashboard.csv"))
    assert rows[0][:3] == ["类别", "项目", "立案"]
    table = {(row[0], row[1]): row for row in rows[1:]}
    month = table[("合计", "近30天")]
    assert month[2:5] == ["3", "2", "1"] and month[-3:] == ["98000.5", "90000.5", "8000"]
    assert ("学校", "sanxia-med 学院") in table and ("机动队", "wz-1") in table
    assert ("诈骗类型", "虚假贷款") in table
    assert sum(1 for key in table if key[0] == "每日") == 30
    assert _audits(api, "export_dashboard")[-1]["status"] == 200


def test_guard_prefixes_what_excel_would_run() -> None:
    for dangerous in ("=1+1", "+86", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert guarded(dangerous) == "'" + dangerous
    assert guarded("郭某") == "郭某" and guarded(-2) == -2 and guarded("a=b") == "a=b"


def test_the_case_sheet_is_what_an_officer_hands_up(api: Api, night: dict[str, str]) -> None:
    officer = person(api, "cui", "officer", district="wanzhou")
    case_page = officer.get(f"/cases/{night['student']}").text
    assert f'href="/cases/{night["student"]}/sheet"' in case_page
    title = case_page.split("<title>")[1].split("</title>")[0]
    assert "郭某" not in title and "高风险" in title
    sheet = officer.get(f"/cases/{night['student']}/sheet")
    assert sheet.status_code == 200
    for expected in ("预警劝阻案件单", "郭某", "138 1234 5678", "2023-0412", "劝阻成功",
                     "90,000.50元", "避免损失", "向涉诈账户转账", "时间线", "处置阶梯",
                     "打印人 cui"):
        assert expected in sheet.text, expected
    assert "郭某" not in sheet.text.split("<title>")[1].split("</title>")[0]
    assert _audits(api, "console_case_sheet")[-1]["status"] == 200
    fuling = person(api, "zhou", "officer", district="fuling")
    assert fuling.get(f"/cases/{night['student']}/sheet").status_code == 404
    assert fuling.get("/cases/nope/sheet").status_code == 404


def _field(api: Api) -> tuple[Person, Person, str]:
    api.school("sanxia-med", "wanzhou")
    api.team("wz-1", "wanzhou")
    liaison = person(api, "li", "liaison", school="sanxia-med")
    team = person(api, "t", "team", team="wz-1")
    case_id = api.open_case("scam_site_visit", district="wanzhou", school="sanxia-med",
                            name="郭某")
    return liaison, team, case_id


def test_field_pages_give_the_duty_room_number(api: Api, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    liaison, team, _ = _field(api)
    page = liaison.get("/school").text
    assert 'href="tel:110"' in page and "值班室电话未设置" in page
    monkeypatch.setenv("WARN_DUTY_PHONE", "023-5888 1234")
    for who, path in ((liaison, "/school"), (team, "/team")):
        page = who.get(path).text
        assert 'href="tel:02358881234"' in page and "023-5888 1234" in page, path
    monkeypatch.setenv("WARN_DUTY_PHONE", "110;ext=evil")  # not a number: not shown half
    assert 'href="tel:110"' in liaison.get("/school").text


def test_team_page_speaks_to_a_team_and_waiting_cards_come_first(api: Api) -> None:
    liaison, team, case_id = _field(api)
    assert "宿舍" not in team.get("/team").text.split("<main")[1]
    api.tick(minutes=10)  # the school is warned
    first = liaison.get("/school").text
    delivery = api.delivery(case_id, "school_group")["id"]
    assert 'data-alert="field"' in first
    liaison.post(f"/deliveries/{delivery}/result", {"result": "acknowledged"})
    second = api.open_case("scam_site_visit", msisdn="+8613800000009", district="wanzhou",
                           school="sanxia-med", name="钱某")
    api.tick(minutes=10)
    page = liaison.get("/school").text
    assert page.index(f'data-case="{second}"') < page.index(f'data-case="{case_id}"')
    assert page.count('data-alert="field"') == 1
