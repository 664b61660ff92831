"""What the audit log writes down about reading (PIPL), on SQLite and PostgreSQL: a list
names every case it showed, and a case out of scope asked for by any URL is a row too."""

from __future__ import annotations

import json
from typing import Any

import pytest
from api_harness import Api
from api_harness import api as api  # the fixture
from console_harness import person
from sqlalchemy import select

from warn.store.models import Audit


@pytest.fixture
def world(api: Api) -> Api:
    api.school("sanxia-med", "wanzhou")
    api.user("li", "liaison", school="sanxia-med")
    api.user("off_w", "officer", district="wanzhou")
    api.user("off_f", "officer", district="fuling")
    return api


def _rows(api: Api, action: str) -> list[tuple[str, str, dict[str, Any]]]:
    with api.ctx.reads() as session:
        rows = session.scalars(select(Audit).where(Audit.action == action).order_by(Audit.id))
        return [(row.actor, row.target, json.loads(row.detail)) for row in rows]


def test_listing_cases_names_every_case_it_shows(world: Api) -> None:
    shown = {world.open_case(district="wanzhou", msisdn=f"+861380000000{n}") for n in range(3)}
    hidden = world.open_case(district="fuling", msisdn="+8613800000009")
    first = world.get("off_w", "/v1/cases", limit=2)
    assert first.status_code == 200, first.text
    rest = world.get("off_w", "/v1/cases", cursor=first.json()["next"])
    pages = [{item["id"] for item in answer.json()["items"]} for answer in (first, rest)]
    rows = [detail for actor, _, detail in _rows(world, "list_cases") if actor == "off_w"]
    assert [set(detail["cases"]) for detail in rows] == pages
    assert set().union(*pages) == shown and hidden not in set().union(*pages)
    assert all(detail["count"] == len(detail["cases"]) for detail in rows)


def test_the_audit_page_finds_who_listed_a_case(world: Api) -> None:
    case_id = world.open_case(district="wanzhou")
    world.get("off_w", "/v1/cases")
    admin = person(world, "boss", "admin")
    page = admin.get("/audit", target=case_id).text
    assert "接口列出案件" in page and "off_w" in page


def test_a_case_out_of_scope_is_written_down_by_every_api_url(world: Api) -> None:
    case_id = world.open_case("flagged_call", district="wanzhou")
    callback = world.delivery(case_id, "callback_96110")["id"]
    asked = [(f"/v1/cases/{case_id}", None, case_id, "read_case"),
             ("/v1/deliveries", {"case_id": case_id}, case_id, "list_deliveries"),
             (f"/v1/cases/{case_id}/escalate", {}, case_id, "escalate"),
             (f"/v1/deliveries/{callback}/result", {"result": "hung_up"}, callback, "result")]
    for path, data, _, _ in asked:
        if path.endswith(("escalate", "result")):
            answer = world.post("off_f", path, data)
        else:
            answer = world.get("off_f", path, **(data or {}))
        assert answer.status_code == 404, (path, answer.text)
    rows = [(target, detail["attempted"], detail["status"])
            for actor, target, detail in _rows(world, "not_found") if actor == "off_f"]
    assert rows == [(target, attempted, 404) for _, _, target, attempted in asked]


def test_a_case_that_does_not_exist_is_written_down_as_asked_for(world: Api) -> None:
    assert world.get("off_w", "/v1/cases/no-such-case").status_code == 404
    assert [(target, detail["status"]) for _, target, detail in _rows(world, "not_found")] \
        == [("no-such-case", 404)]


def test_a_case_out_of_scope_is_written_down_by_every_console_url(world: Api) -> None:
    case_id = world.open_case("flagged_call", district="wanzhou")
    callback = world.delivery(case_id, "callback_96110")["id"]
    stranger = person(world, "ma", "officer", district="fuling")
    assert stranger.get(f"/cases/{case_id}").status_code == 404
    assert stranger.get(f"/cases/{case_id}/state.json").status_code == 404
    assert stranger.post(f"/cases/{case_id}/escalate").status_code == 404
    assert stranger.post(f"/deliveries/{callback}/result",
                         {"result": "hung_up"}).status_code == 404
    rows = [(target, detail["status"]) for actor, target, detail
            in _rows(world, "not_found") if actor == "ma"]
    assert [status for _, status in rows] == [404] * 4
    assert [target for target, _ in rows[:3]] == [
        f"/cases/{case_id}", f"/cases/{case_id}/state.json", f"/cases/{case_id}/escalate"]
    assert callback in rows[3][0]


def test_refusals_and_actions_keep_their_rows(world: Api) -> None:
    case_id = world.open_case("flagged_call", district="wanzhou", school="sanxia-med")
    assert world.post("li", f"/v1/cases/{case_id}/escalate", {}).status_code == 403
    assert world.post("off_w", f"/v1/cases/{case_id}/escalate", {}).status_code == 200
    refused = [(target, detail["attempted"]) for actor, target, detail
               in _rows(world, "refused") if actor == "li"]
    assert refused == [(case_id, "escalate")]
    assert [(actor, detail["status"]) for actor, _, detail in _rows(world, "escalate")] \
        == [("off_w", 200)]
