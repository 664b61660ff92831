"""The duty room's work besides the queue, on SQLite and PostgreSQL: the 96110 callback
worklist (claims, attempts, results, two operators at once), search in every spelling,
the history of resolved cases, case notes and owners, and the shift log's handovers —
each in the reader's scope, refused to liaisons, and written down in the audit trail."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import pytest
from api_harness import MSISDN, Api
from api_harness import api as api  # the fixture
from console_harness import case_order, person
from sqlalchemy import select

from warn.console.pages_search import number_candidates
from warn.service import desk
from warn.store.models import Audit, CallbackClaim, CaseNote
from warn.textview import as_digits


@pytest.fixture
def room(api: Api) -> Api:
    api.school("sanxia-med", "wanzhou")
    api.team("t1", "wanzhou")
    return api


def _medium(api: Api, n: int = 1, **subject: str) -> str:
    """A medium case: its first stage asks the 96110 desk for a callback."""
    return api.open_case("scam_site_visit", msisdn=f"+86139000000{n:02d}", district="wanzhou",
                         **subject)


def _high(api: Api, n: int, **subject: str) -> str:
    return api.open_case("flagged_call", msisdn=f"+86139000000{n:02d}", district="wanzhou",
                         **subject)


def _callback(api: Api, case_id: str) -> str:
    return str(api.delivery(case_id, "callback_96110")["id"])


def _section(html: str, section: str) -> str:
    """The part of the worklist page under one heading (mine, unclaimed, others)."""
    found = re.search(rf'id="cb-{section}"(.*?)(?=id="cb-(?:mine|unclaimed|others)"|$)',
                      html, re.S)
    return found.group(1) if found else ""


def _listed(html: str, section: str) -> list[str]:
    return re.findall(r'data-callback="([^"]+)"', _section(html, section))


def _audits(api: Api, action: str) -> list[dict[str, Any]]:
    with api.ctx.sessions() as session:
        return [{"actor": row.actor, "target": row.target, **json.loads(row.detail)}
                for row in session.scalars(select(Audit).where(Audit.action == action)
                                           .order_by(Audit.id))]


# --- 96110 callbacks -----------------------------------------------------------------------

def test_worklist_lists_high_first_then_oldest_and_only_in_scope(room: Api) -> None:
    operator = person(room, "cui", "officer", district="wanzhou")
    older = _medium(room, 1, name="郭某")
    room.tick(minutes=1)
    newer = _medium(room, 2, name="王某")
    urgent = _high(room, 3, name="冯某")
    page = operator.get("/callbacks")
    assert page.status_code == 200
    assert _listed(page.text, "unclaimed") == [
        _callback(room, urgent), _callback(room, older), _callback(room, newer)]
    assert 'href="tel:+8613900000003"' in page.text
    assert "尚未拨打" in page.text and "认领" in page.text
    assert case_order(page.text) == [urgent, older, newer]
    stranger = person(room, "ma", "officer", district="fuling")
    assert case_order(stranger.get("/callbacks").text) == []
    assert stranger.post(f"/callbacks/{_callback(room, older)}/claim").status_code == 404
    liaison = person(room, "li", "liaison", school="sanxia-med")
    assert liaison.get("/callbacks").status_code == 403
    assert liaison.get("/callbacks.json").status_code == 403
    shown = _audits(room, "console_callbacks")
    assert shown[0]["actor"] == "cui" and set(shown[0]["cases"]) == {urgent, older, newer}


def test_a_claimed_callback_leaves_the_other_operators_list(room: Api) -> None:
    cui = person(room, "cui", "officer", district="wanzhou")
    ma = person(room, "ma", "officer", district="wanzhou")
    callback = _callback(room, _medium(room, 1))
    before = ma.get("/callbacks.json").json()
    claimed = cui.post(f"/callbacks/{callback}/claim")
    assert claimed.status_code == 303 and "msg=claimed" in claimed.headers["location"]
    assert _listed(cui.get("/callbacks").text, "mine") == [callback]
    theirs = ma.get("/callbacks").text
    assert _listed(theirs, "unclaimed") == [] and _listed(theirs, "others") == [callback]
    changed = ma.get("/callbacks.json", have=before["sig"]).json()
    assert changed["same"] is False and _listed(changed["html"], "unclaimed") == []
    refused = ma.post(f"/callbacks/{callback}/claim")
    assert refused.status_code == 409 and "已由 cui 认领" in refused.text
    assert ma.post(f"/callbacks/{callback}/release").status_code == 409
    assert ma.post(f"/callbacks/{callback}/result", {"result": "no_answer"}).status_code == 409
    assert cui.post(f"/callbacks/{callback}/release").status_code == 303
    assert _listed(ma.get("/callbacks").text, "unclaimed") == [callback]


def test_two_operators_claiming_at_once_leave_one_claim(room: Api) -> None:
    for operator in ("cui", "ma"):
        room.user(operator, "officer", district="wanzhou")
    callbacks = [_callback(room, _medium(room, n)) for n in range(1, 6)]
    for callback in callbacks:
        start = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def claim(operator: str, callback: str = callback, start: threading.Barrier = start,
                  outcomes: dict[str, str] = outcomes) -> None:
            start.wait()
            try:
                desk.claim_callback(room.ctx, callback, operator)
                outcomes[operator] = "won"
            except desk.Taken as error:
                outcomes[operator] = f"taken by {error.by}"

        threads = [threading.Thread(target=claim, args=(name,)) for name in ("cui", "ma")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [name for name, outcome in outcomes.items() if outcome == "won"]
        assert len(winners) == 1, outcomes
        loser = ({"cui", "ma"} - set(winners)).pop()
        assert outcomes[loser] == f"taken by {winners[0]}"
        with room.ctx.sessions() as session:
            assert session.get(CallbackClaim, callback).claimed_by == winners[0]  # type: ignore[union-attr]


def test_redial_keeps_the_claim_and_counts_attempts_until_a_final_result(room: Api) -> None:
    cui = person(room, "cui", "officer", district="wanzhou")
    case_id = _medium(room, 1, name="郭某")
    callback = _callback(room, case_id)
    # Reporting claims a callback nobody holds yet.
    assert cui.post(f"/callbacks/{callback}/result",
                    {"result": "no_answer", "note": "关机"}).status_code == 303
    assert cui.post(f"/callbacks/{callback}/result", {"result": "hung_up"}).status_code == 303
    page = cui.get("/callbacks").text
    assert _listed(page, "mine") == [callback]
    assert re.search(r"已拨 <b>2</b> 次", page)
    results = [r["result"] for r in room.delivery(case_id, "callback_96110")["results"]]
    assert results == ["no_answer", "hung_up"]
    assert cui.post(f"/callbacks/{callback}/result", {"result": "bogus"}).status_code == 422
    done = cui.post(f"/callbacks/{callback}/result", {"result": "dissuaded"})
    assert done.status_code == 303
    assert room.case(case_id)["state"] == "resolved"
    after = cui.get("/callbacks").text
    assert _listed(after, "mine") == [] and _listed(after, "unclaimed") == []
    assert cui.post(f"/callbacks/{callback}/claim").status_code == 409


def test_not_believed_ends_the_call_but_not_the_case(room: Api) -> None:
    cui = person(room, "cui", "officer", district="wanzhou")
    case_id = _medium(room, 1)
    callback = _callback(room, case_id)
    assert cui.post(f"/callbacks/{callback}/claim").status_code == 303
    assert cui.post(f"/callbacks/{callback}/result", {"result": "not_believed"}).status_code == 303
    assert room.case(case_id)["state"] == "open"
    assert callback not in cui.get("/callbacks").text


def test_the_dissuaded_button_asks_first_and_has_an_undo_window(room: Api) -> None:
    cui = person(room, "cui", "officer", district="wanzhou")
    callback = _callback(room, _medium(room, 1))
    cui.post(f"/callbacks/{callback}/claim")
    mine = _section(cui.get("/callbacks").text, "mine")
    form = re.search(r'<form[^>]*data-confirm="([^"]+)"[^>]*data-undo-seconds="8"[^>]*>'
                     r'(.*?)</form>', mine, re.S)
    assert form and "结案" in form.group(1)
    assert 'name="result" value="dissuaded"' in form.group(2)


# --- search ----------------------------------------------------------------------------------

SPELLINGS = ["13812345678", "+86 138 1234 5678", "１３８１２３４５６７８", "138-1234-5678",
             "(138) 1234.5678", "0086 13812345678", "138\u200b1234\u20605678",
             "8613812345678", "一三八一二三四五六七八", "+86(0)138 1234 5678"]


def test_search_finds_a_case_by_its_number_in_every_spelling(room: Api) -> None:
    cui = person(room, "cui", "officer", district="wanzhou")
    case_id = room.open_case("scam_site_visit", msisdn=MSISDN, district="wanzhou", name="郭某")
    _medium(room, 7, name="王某")
    for spelling in SPELLINGS:
        found = cui.get("/search", q=spelling)
        assert found.status_code == 200
        assert case_order(found.text) == [case_id], spelling
    searched = _audits(room, "console_search")
    assert len(searched) == len(SPELLINGS)
    # in no spelling either: Chinese numerals read as the digits they are
    assert all(MSISDN[3:] not in as_digits(json.dumps(row, ensure_ascii=False))
               for row in searched)
    assert searched[0]["query"] == "138****5678" and searched[0]["cases"] == [case_id]


def test_search_by_name_student_number_and_case_id(room: Api) -> None:
    cui = person(room, "cui", "officer", district="wanzhou")
    student = _medium(room, 1, name="郭小明", school="sanxia-med", student_no="2023-0412")
    other = _medium(room, 2, name="王某")
    assert case_order(cui.get("/search", q="郭小明").text) == [student]
    assert case_order(cui.get("/search", q="小明").text) == [student]
    assert case_order(cui.get("/search", q="2023-0412").text) == [student]
    assert case_order(cui.get("/search", q=other[:6]).text) == [other]
    assert case_order(cui.get("/search", q=other.upper()).text) == [other]
    nothing = cui.get("/search", q="不存在的人")
    assert case_order(nothing.text) == [] and "没有找到" in nothing.text
    assert "请至少输入两个字" in cui.get("/search", q="郭").text
    assert case_order(cui.get("/search", q="%").text) == []


def test_search_covers_resolved_cases_and_keeps_to_the_readers_scope(room: Api) -> None:
    cui = person(room, "cui", "officer", district="wanzhou")
    case_id = _medium(room, 1, name="郭某")
    room.post("root", f"/v1/cases/{case_id}/outcome", {"outcome": "false_positive"})
    assert case_order(cui.get("/search", q="139 0000 0001").text) == [case_id]
    stranger = person(room, "ma", "officer", district="fuling")
    assert case_order(stranger.get("/search", q="139 0000 0001").text) == []
    liaison = person(room, "li", "liaison", school="sanxia-med")
    assert liaison.get("/search", q="郭某").status_code == 403


def test_a_number_is_read_from_its_spellings() -> None:
    assert number_candidates("郭某") == set()
    assert number_candidates("1234") == set()
    assert "+8613812345678" in number_candidates("０１３８ １２３４ ５６７８")
    assert number_candidates("+852 6123 4567") == {"+85261234567"}


# --- history ---------------------------------------------------------------------------------

def test_history_lists_resolved_cases_newest_first_with_filters_and_pages(room: Api) -> None:
    cui = person(room, "cui", "officer", district="wanzhou")
    resolved: list[str] = []
    for n in range(1, 56):
        case_id = _medium(room, n)
        outcome = "dissuaded" if n % 2 else "false_positive"
        room.post("root", f"/v1/cases/{case_id}/outcome", {"outcome": outcome})
        room.clock.advance(minutes=1)
        resolved.append(case_id)
    still_open = _medium(room, 60)
    first = cui.get("/history")
    assert first.status_code == 200
    assert case_order(first.text) == resolved[::-1][:50]
    older = re.search(r'href="(/history\?[^"]*cursor=[^"]+)"', first.text)
    assert older
    second = cui.get(older.group(1).replace("&amp;", "&"))
    assert case_order(second.text) == resolved[::-1][50:]
    assert still_open not in first.text + second.text
    kept = cui.get("/history", outcome="false_positive")
    assert case_order(kept.text) == [c for i, c in enumerate(resolved, 1) if i % 2 == 0][::-1]
    assert "日期格式不对" in cui.get("/history", start="2026-13-45").text
    assert "翻页链接已失效" in cui.get("/history", cursor="garbage").text
    assert case_order(cui.get("/history", start="2000-01-01", end="2000-01-02").text) == []
    stranger = person(room, "ma", "officer", district="fuling")
    assert case_order(stranger.get("/history").text) == []
    assert person(room, "li", "liaison", school="sanxia-med").get("/history").status_code == 403
    assert _audits(room, "console_history")[0]["cases"] == resolved[::-1][:50]


# --- case notes and owner --------------------------------------------------------------------

def test_an_officer_takes_hands_and_releases_a_case(room: Api) -> None:
    cui = person(room, "cui", "officer", district="wanzhou")
    ma = person(room, "ma", "officer", district="wanzhou")
    person(room, "far", "officer", district="fuling")
    case_id = _medium(room, 1, name="郭某")
    page = cui.get(f"/cases/{case_id}").text
    assert "暂无承办人" in page and "我来承办" in page
    assert 'value="far"' not in page  # cannot be handed to someone who may not see it
    assert cui.post(f"/cases/{case_id}/owner/take").status_code == 303
    assert "您已承办此案" in cui.get(f"/cases/{case_id}", msg="taken").text
    assert "承办 cui" in ma.get("/queue").text  # the queue row names the owner
    refused = ma.post(f"/cases/{case_id}/owner/take")
    assert refused.status_code == 409 and "此案已由 cui 承办" in refused.text
    assert ma.post(f"/cases/{case_id}/owner/release").status_code == 409
    assert cui.post(f"/cases/{case_id}/owner/hand", {"to": "far"}).status_code == 409
    assert cui.post(f"/cases/{case_id}/owner/hand", {"to": "ma"}).status_code == 303
    assert re.search(r'class="owner">ma<', ma.get(f"/cases/{case_id}").text)
    assert case_order(ma.get("/search", q="郭某").text) == [case_id]
    assert ">ma<" in ma.get("/search", q="郭某").text
    assert ma.post(f"/cases/{case_id}/owner/release").status_code == 303
    assert "暂无承办人" in ma.get(f"/cases/{case_id}").text
    assert [row["actor"] for row in _audits(room, "case_hand")] == ["cui", "cui"]


def test_notes_are_kept_cleaned_and_shown_to_the_duty_room_only(room: Api) -> None:
    cui = person(room, "cui", "officer", district="wanzhou")
    liaison = person(room, "li", "liaison", school="sanxia-med")
    case_id = _medium(room, 1, name="郭某", school="sanxia-med")
    before = cui.get(f"/cases/{case_id}/state.json").json()["sig"]
    assert cui.post(f"/cases/{case_id}/notes",
                    {"text": "  已联系辅导员\u200b，学生在宿舍\x07 "}).status_code == 303
    assert cui.get(f"/cases/{case_id}/state.json").json()["sig"] != before
    page = cui.get(f"/cases/{case_id}").text
    assert "已联系辅导员，学生在宿舍" in page
    with room.ctx.sessions() as session:
        assert [n.text for n in session.scalars(select(CaseNote))] == ["已联系辅导员，学生在宿舍"]
    assert cui.post(f"/cases/{case_id}/notes", {"text": " \u200b "}).status_code == 422
    room.tick(minutes=10)  # the school is warned: the liaison sees the case now
    assert case_id in liaison.get("/school").text
    assert "已联系辅导员" not in liaison.get("/school").text
    assert "已联系辅导员" not in room.get("root", f"/v1/cases/{case_id}").text
    assert liaison.post(f"/cases/{case_id}/notes", {"text": "学校备注"}).status_code == 403
    stranger = person(room, "ma", "officer", district="fuling")
    assert stranger.post(f"/cases/{case_id}/notes", {"text": "x"}).status_code == 404
    assert stranger.post(f"/cases/{case_id}/owner/take").status_code == 404
    assert "学生在宿舍" not in json.dumps(_audits(room, "case_note"), ensure_ascii=False)


# --- shift log -------------------------------------------------------------------------------

def test_a_handover_writes_the_lanes_down_and_waits_on_the_queue_until_read(room: Api) -> None:
    cui = person(room, "cui", "officer", district="wanzhou")
    ma = person(room, "ma", "officer", district="wanzhou")
    far = person(room, "far", "officer", district="fuling")
    _high(room, 1)
    _medium(room, 2)
    assert cui.post("/shift/entries", {"text": "22:10 银行来电，已协查"}).status_code == 303
    assert cui.post("/shift/handover", {"text": "王某案明早回访"}).status_code == 303
    assert cui.post("/shift/handover", {"text": "\u200b"}).status_code == 422
    log = ma.get("/shift").text
    assert "22:10 银行来电，已协查" in log and "王某案明早回访" in log
    assert "在办 2" in log and "高风险 1" in log and "回拨待认领 2" in log
    queue = ma.get("/queue").text
    assert "cui 的交接班" in queue and "王某案明早回访" in queue
    assert "cui 的交接班" not in cui.get("/queue").text  # its author does not need it
    assert "王某案明早回访" not in far.get("/queue").text + far.get("/shift").text
    entry = re.search(r'action="/shift/(\d+)/ack"', queue)
    assert entry
    assert far.post(f"/shift/{entry.group(1)}/ack").status_code == 404
    assert ma.post(f"/shift/{entry.group(1)}/ack", {"next": "queue"}).status_code == 303
    assert ma.post(f"/shift/{entry.group(1)}/ack", {"next": "queue"}).status_code == 303
    assert "cui 的交接班" not in ma.get("/queue").text
    assert "已接班：ma" in cui.get("/shift").text
    assert person(room, "li", "liaison", school="sanxia-med").get("/shift").status_code == 403
