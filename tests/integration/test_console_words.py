"""The console speaks Chinese: the queue, a case page, the school's and the team's pages,
the dashboard, the audit log, the sign-in and error pages hold no English word a person
reads (text, placeholders, labels, titles) — only ids (cases, messages, signals, users,
teams), which are shown as they are. Districts show by their registered names."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from api_harness import Api
from api_harness import api as api  # the fixture
from console_harness import Person, person

from warn.service.registration import add_district, add_school

ENGLISH = re.compile(r"[A-Za-z]{3,}")
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
# How Chinese writes them: 国家反诈中心App, 导出（CSV）.
LOANWORDS = frozenset({"App", "CSV"})
CASE_ID = re.compile(r"^[0-9a-f]{16}(-\d+)?$")
PEOPLE = frozenset({"cui", "li", "t1", "t2", "root", "boss", "team-one", "nobody",
                    "sanxia-med", "testclient"})  # the test client's address
READ_ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")


class _Words(HTMLParser):
    """What a person reads on a page: its text and the attributes read out or shown."""

    def __init__(self) -> None:
        super().__init__()
        self.read: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        self.read.extend(value for name, value in attrs if name in READ_ATTRIBUTES and value)
        if tag == "input" and ("type", "submit") in attrs:
            self.read.extend(value for name, value in attrs if name == "value" and value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.read.append(data)


def english_on(html: str, ids: set[str]) -> list[str]:
    words = _Words()
    words.feed(html)
    return sorted({token for text in words.read for token in TOKEN.findall(text)
                   if ENGLISH.search(token) and token not in LOANWORDS and token not in ids
                   and not CASE_ID.match(token) and not token.startswith("sig-")})


@pytest.fixture
def room(api: Api) -> Api:
    api.team("t1", "wanzhou")
    return api


def _named_places(api: Api) -> None:
    """Registered names, as a real deployment has them (the harness names ids by ids)."""
    add_district(api.ctx, "wanzhou", "万州区")
    add_school(api.ctx, "sanxia-med", "重庆三峡医药高等专科学校", "wanzhou")


def _cases(api: Api, officer: Person) -> tuple[str, str]:
    """A student's case at the school stage, and a high case waiting for a confirmation."""
    student = api.open_case("fraud_app_install", attributes={"app": "屏幕共享会议助手"},
                            msisdn="+8613900000001", district="wanzhou",
                            school="sanxia-med", name="郭某", student_no="2023-0412",
                            location="三号宿舍楼")
    call = api.open_case("flagged_call", msisdn="+8613900000002", district="wanzhou",
                         name="王某", location="北滨路工商银行大厅")
    for case_id in (student, call):
        callback = api.delivery(case_id, "callback_96110")
        officer.post(f"/deliveries/{callback['id']}/result",
                     {"result": "hung_up", "note": "", "next": f"/cases/{case_id}"})
    api.tick(minutes=3)  # the confirmation runs late: overdue, paged again
    return student, call


def test_the_pages_people_read_hold_no_english(room: Api) -> None:
    officer = person(room, "cui", "officer", district="wanzhou")
    liaison = person(room, "li", "liaison", school="sanxia-med") if _school(room) else None
    team = person(room, "team-one", "team", team="t1")
    admin = person(room, "boss", "admin")
    _named_places(room)
    student, call = _cases(room, officer)
    ids = {student, call, *PEOPLE}
    pages = {
        "queue": officer.get("/queue").text,
        "case": officer.get(f"/cases/{call}").text,
        "student case": officer.get(f"/cases/{student}").text,
        "dashboard": officer.get("/dashboard").text,
        "audit": admin.get("/audit").text,
        "school": liaison.get("/school").text if liaison else "",
        "team": team.get("/team").text,
        "sign-in": Person(room, "nobody").get("/login").text,
        "not found": officer.get("/cases/no-such-case").text,
    }
    found = {name: english_on(html, ids) for name, html in pages.items()}
    assert found == {name: [] for name in pages}


def _school(api: Api) -> bool:
    api.school("sanxia-med", "wanzhou")
    return True


def test_a_case_shows_its_district_by_its_registered_name(room: Api) -> None:
    officer = person(room, "cui", "officer", district="wanzhou")
    _named_places(room)
    _, call = _cases(room, officer)
    page = officer.get(f"/cases/{call}").text
    assert "<dt>辖区</dt><dd>万州区</dd>" in page
    assert "统计 · 万州区" in officer.get("/dashboard").text


def _awaiting_stage(api: Api, case_id: str) -> int:
    return next(s["index"] for s in api.case(case_id)["stages"]
                if s["state"] == "awaiting_confirmation")


def test_a_confirm_with_no_team_free_says_it_waits_for_one(api: Api) -> None:
    officer = person(api, "cui", "officer", district="wanzhou")  # the district has no team
    _, call = _cases(api, officer)
    answer = officer.post(f"/cases/{call}/confirm", {"stage": _awaiting_stage(api, call)})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].endswith("msg=confirmed_no_team")
    banner = officer.get(answer.headers["location"]).text
    assert "已确认。暂无空闲机动队，一有空闲立即派出。" in banner
    assert "该级已派发" not in banner


def test_declining_the_last_stage_says_an_officer_must_close_the_case(room: Api) -> None:
    officer = person(room, "cui", "officer", district="wanzhou")
    _, call = _cases(room, officer)
    answer = officer.post(f"/cases/{call}/decline", {"stage": _awaiting_stage(room, call),
                                                    "reason": "本人已到派出所"})
    assert answer.headers["location"].endswith("msg=declined_last")
    banner = officer.get(answer.headers["location"]).text
    assert "这是最后一级，阶梯已用尽，请登记结果并结案" in banner
    assert "阶梯转到下一级" not in banner
