"""Odd input to the duty room's pages and the API's new cursor, on SQLite and PostgreSQL:
each gets a clear answer (a Chinese page, a 4xx) and changes nothing — never a 500. And
what a crafted link or a bulk answer to other people's cases leaves behind."""

from __future__ import annotations

import base64
import json

import pytest
from api_harness import Api, assert_error
from api_harness import api as api  # the fixture
from console_harness import person
from sqlalchemy import select

from warn.store.models import Audit

MSISDN = "+8613987654321"


@pytest.fixture
def desk(api: Api) -> Api:
    api.team("t1", "wanzhou")
    return api


def _cursor(data: list[object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_a_number_searched_in_chinese_numerals_is_audited_masked(desk: Api) -> None:
    cui = person(desk, "cui", "officer", district="wanzhou")
    case_id = desk.open_case("scam_site_visit", msisdn=MSISDN, district="wanzhou")
    for spelling in ("一三九八七六五四三二一", "壹叁玖捌柒陆伍肆叁贰壹", "139八七六五四三二一"):
        found = cui.post("/search", {"q": spelling})
        assert found.status_code == 200 and case_id in found.text, spelling
    with desk.ctx.sessions() as session:
        queries = [json.loads(row)["query"] for row in session.scalars(
            select(Audit.detail).where(Audit.action == "console_search"))]
    assert queries == ["139****4321"] * 3


def test_the_search_box_posts_and_needs_its_token(desk: Api) -> None:
    cui = person(desk, "cui", "officer", district="wanzhou")
    case_id = desk.open_case("scam_site_visit", msisdn=MSISDN, district="wanzhou")
    page = cui.get("/queue").text
    assert 'method="post" action="/search" class="header-search"' in page
    assert cui.post("/search", {"q": "13987654321"}, csrf="").status_code == 403
    assert case_id in cui.post("/search", {"q": "139 8765 4321"}).text


def test_bulk_answers_to_cases_out_of_scope_are_audited_as_not_found(desk: Api) -> None:
    cui = person(desk, "cui", "officer", district="wanzhou")
    theirs = desk.open_case("flagged_call", msisdn=MSISDN, district="fuling")
    answer = cui.post("/queue/bulk", {"action": "decline", "reason": "x",
                                      "pick": [f"{theirs}:1", "made-up:1"]})
    assert answer.headers["location"].endswith("msg=decline-0-2-0")
    with desk.ctx.sessions() as session:
        refused = session.scalars(select(Audit.target).where(
            Audit.actor == "cui", Audit.action == "not_found")).all()
    assert sorted(refused) == sorted([f"/cases/{theirs}", "/cases/made-up"])


@pytest.mark.parametrize("path", [
    "/shift?before=9223372036854775808", "/audit?before=2147483648",
    "/history?end=9999-12-31", "/history?start=0001-01-01",
    "/export/cases.csv?start=0001-01-01&end=0001-01-02",
    "/queue?msg=confirm-" + "9" * 5000 + "-0", "/queue?school=x%00", "/pages?acked=-5",
])
def test_odd_links_get_a_page_not_a_500(desk: Api, path: str) -> None:
    root = person(desk, "boss", "admin")
    answer = root.get(path)
    assert answer.status_code in (200, 400, 422), (path, answer.status_code)
    if answer.status_code != 200:
        assert "<html" in answer.text and "invalid_request" not in answer.text


def test_odd_forms_get_a_page_not_a_500(desk: Api) -> None:
    cui = person(desk, "cui", "officer", district="wanzhou")
    case_id = desk.open_case("flagged_call", msisdn=MSISDN, district="wanzhou")
    for path, form in ((f"/cases/{case_id}/notes", {"text": "长" * 5000}),
                       ("/queue/bulk", {"action": "confirm", "pick": f"{case_id}\x00:1"}),
                       (f"/cases/{case_id}/decline", {"stage": "1", "reason": "x" * 600}),
                       ("/shift/9223372036854775808/ack", {})):
        answer = cui.post(path, form)
        assert answer.status_code in (400, 404, 422), (path, answer.status_code, answer.text)
        assert "<html" in answer.text, path
    assert desk.case(case_id)["stages"][1]["state"] != "declined"


def test_a_crafted_roster_link_cannot_put_words_in_a_success_banner(desk: Api) -> None:
    cui = person(desk, "cui", "officer", district="wanzhou")
    bait = cui.get("/roster", done="on", who="请立即拨打 400-123-4567 核实").text
    assert "400-123-4567" not in bait
    assert "cui" in cui.get("/roster", done="on", who="cui").text


@pytest.mark.parametrize("cursor", [
    _cursor(["urgency", True, False, None, "2026-01-01T00:00:00+00:00", "x"]),
    _cursor(["urgency", 0, 1, None, "0001-01-01T00:00:00+14:00", "x"]),
    _cursor(["urgency", 0, 1, "9999-12-31T23:59:59-14:00", "2026-01-01T00:00:00+00:00", "x"]),
    _cursor(["urgency", 0, 1, None, "2026-01-01T00:00:00+00:00", "x\x00"]),
])
def test_a_forged_urgency_cursor_is_a_422(desk: Api, cursor: str) -> None:
    desk.user("off", "officer", district="wanzhou")
    assert_error(desk.get("off", "/v1/cases", sort="urgency", cursor=cursor), 422)


def test_a_forged_newest_cursor_is_a_422(desk: Api) -> None:
    desk.user("off", "officer", district="wanzhou")
    for data in (["0001-01-01T00:00:00+14:00", "x"], ["2026-01-01T00:00:00+00:00", "x\x00"]):
        assert_error(desk.get("off", "/v1/cases", cursor=_cursor(data)), 422)


def test_a_mistyped_address_or_a_forms_address_gets_a_chinese_page(desk: Api) -> None:
    cui = person(desk, "cui", "officer", district="wanzhou")
    case_id = desk.open_case("flagged_call", msisdn=MSISDN, district="wanzhou")
    missing = cui.get("/case/abc")
    assert missing.status_code == 404 and "没有这个页面" in missing.text
    posted_only = cui.get(f"/cases/{case_id}/confirm")
    assert posted_only.status_code == 405 and "只能由页面上的按钮提交" in posted_only.text
    assert desk.get("cui", "/v1/nothing-here").json()["error"]["code"] == "not_found"
    assert cui.get("/favicon.ico").status_code == 204
    with desk.ctx.sessions() as session:
        assert not session.scalars(select(Audit).where(Audit.target == "/case/abc")).all()
