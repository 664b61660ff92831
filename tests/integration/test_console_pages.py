"""The duty officer's pages and the duty roster on the console, on SQLite and PostgreSQL:
unacknowledged pages in the nav and at /pages, acknowledged in one click and audited;
signing on and off at /roster, and who may do it for whom."""

from __future__ import annotations

import re

from api_harness import Api
from api_harness import api as api  # the fixture
from console_harness import person
from sqlalchemy import select

from warn.service import roster
from warn.store.models import Audit, DeliveryResult, RosterEntry


def _overdue_high_case(api: Api, n: int) -> str:
    case_id = api.open_case("transfer_attempt", msisdn=f"+86139000000{n:02d}",
                            district="wanzhou")
    api.tick(minutes=5)  # stage 1 asks for a team: a page
    api.tick(minutes=2)  # overdue: paged again
    return case_id


def _page_ids(html: str) -> list[str]:
    return re.findall(r'name="page" value="([^"]+)"', html)


def test_an_officer_acknowledges_every_page_shown_in_one_click(api: Api) -> None:
    cui = person(api, "cui", "officer", district="wanzhou")
    first = _overdue_high_case(api, 1)
    queue = cui.get("/queue")
    assert queue.status_code == 200
    assert '<span class="count" data-pages-waiting>2</span>' in queue.text
    assert "您有 2 条值班呼叫未确认" in queue.text
    page = cui.get("/pages")
    assert page.status_code == 200 and first in page.text
    assert "确认超时" in page.text and "请求确认" in page.text
    shown = sorted(set(_page_ids(page.text)))
    assert len(shown) == 2
    second = _overdue_high_case(api, 2)  # arrives after the page was read
    answer = cui.post("/pages/acknowledge", {"page": shown, "next": "/pages"})
    assert answer.status_code == 303 and answer.headers["location"] == "/pages?acked=2"
    after = cui.get("/pages?acked=2")
    assert "已确认 2 条呼叫。" in after.text
    assert first not in after.text and second in after.text  # the later ones stay
    with api.ctx.reads() as session:
        results = session.execute(select(DeliveryResult.delivery_id, DeliveryResult.result,
                                         DeliveryResult.actor)
                                  .where(DeliveryResult.delivery_id.in_(shown))).all()
        audit = session.scalars(select(Audit).where(Audit.action == "acknowledge_pages")).all()
    assert sorted(results) == [(d, "acknowledged", "cui") for d in shown]
    assert len(audit) == 1 and all(d in audit[0].detail for d in shown)
    again = cui.post("/pages/acknowledge", {"page": shown, "next": "/pages"})
    assert again.headers["location"] == "/pages?acked=0"
    assert "这些呼叫已经确认过了。" in cui.get("/pages?acked=0").text


def test_nobody_acknowledges_someone_elses_pages_or_without_a_token(api: Api) -> None:
    cui = person(api, "cui", "officer", district="wanzhou")
    wang = person(api, "wang", "officer", district="wanzhou")
    _overdue_high_case(api, 1)
    mine = sorted(set(_page_ids(cui.get("/pages").text)))
    assert wang.post("/pages/acknowledge", {"page": mine}).headers["location"].endswith(
        "acked=0")
    assert cui.post("/pages/acknowledge", {"page": mine}, csrf="").status_code == 403
    api.school("sanxia-med", "wanzhou")
    liaison = person(api, "sec", "liaison", school="sanxia-med")
    assert liaison.get("/pages").status_code == 403
    assert liaison.post("/pages/acknowledge", {"page": mine}).status_code == 403
    assert len(set(_page_ids(cui.get("/pages").text))) == 2  # still waiting for cui


def test_officers_sign_themselves_on_and_off_and_an_admin_names_the_supervisor(
        api: Api) -> None:
    cui = person(api, "cui", "officer", district="wanzhou")
    person(api, "wang", "officer", district="wanzhou")
    boss = person(api, "boss", "admin")
    page = cui.get("/roster")
    assert page.status_code == 200 and "当前无人上岗" in page.text
    on = cui.post("/roster", {"name": "cui", "action": "on"})
    assert on.status_code == 303
    assert "cui 已上岗。" in cui.get(on.headers["location"]).text
    assert cui.post("/roster", {"name": "wang", "action": "on"}).status_code == 403
    assert cui.post("/roster", {"name": "cui", "action": "lead"}).status_code == 403
    assert cui.post("/roster", {"name": "cui", "action": "fly"}).status_code == 422
    assert boss.post("/roster", {"name": "wang", "action": "lead"}).status_code == 409
    assert boss.post("/roster", {"name": "cui", "action": "lead"}).status_code == 303
    assert boss.post("/roster", {"name": "nobody", "action": "on"}).status_code == 409
    with api.ctx.reads() as session:
        entries = {e.user_name: e.lead for e in session.scalars(select(RosterEntry))}
    assert entries == {"cui": True}
    assert [r.name for r in roster.roster(api.ctx) if r.on_shift] == ["cui"]
    off = cui.post("/roster", {"name": "cui", "action": "off"})
    assert "cui 已下岗。" in cui.get(off.headers["location"]).text
    twice = cui.post("/roster", {"name": "cui", "action": "off"})
    assert "cui 本来就不在岗。" in cui.get(twice.headers["location"]).text
    with api.ctx.reads() as session:
        actions = session.scalars(select(Audit.action).where(
            Audit.action.in_(("roster_on", "roster_off", "roster_lead")))).all()
    assert sorted(actions) == ["roster_lead", "roster_lead", "roster_off", "roster_off",
                               "roster_on", "roster_on"]
