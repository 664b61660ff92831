"""Duty pages and the other internal entries are for the duty room (CONTRACT §2), on SQLite
and PostgreSQL: liaisons and teams read a case without them, by the API and the console."""

from __future__ import annotations

from typing import Any

import pytest
from api_harness import Api
from api_harness import api as api  # the fixture

INTERNAL = {"duty_page", "overdue", "no_team", "stuck", "delivery_failed"}


@pytest.fixture
def world(api: Api) -> Api:
    api.school("sanxia-med", "wanzhou")
    api.team("t1", "wanzhou")
    api.user("li", "liaison", school="sanxia-med")
    api.user("off_w", "officer", district="wanzhou")
    api.user("tm", "team", team="t1")
    return api


def _paged_case(api: Api) -> str:
    """A high case of a sanxia-med student: the school told at once, then no
    acknowledgement, so the mobile team stage pages the duty room, and pages it again once
    its confirmation is overdue; an officer answers a page."""
    case_id = api.open_case("flagged_call", district="wanzhou", school="sanxia-med")
    api.tick(minutes=2, seconds=1)
    api.tick(minutes=2, seconds=1)
    page = api.delivery(case_id, "duty_page")
    answer = api.post("off_w", f"/v1/deliveries/{page['id']}/result", {"result": "acknowledged"})
    assert answer.status_code == 200, answer.text
    return case_id


def _types(case: dict[str, Any]) -> set[str]:
    return {entry["type"] for entry in case["timeline"]}


def _duty_page_results(case: dict[str, Any]) -> list[str]:
    return [entry["detail"] for entry in case["timeline"]
            if entry["type"] == "result" and entry["detail"].startswith("值班呼叫 ")]


def test_the_duty_room_sees_its_pages_and_overdue_confirmations(world: Api) -> None:
    case = world.case(_paged_case(world), "off_w")
    assert {"duty_page", "overdue"} <= _types(case)
    assert _duty_page_results(case)
    assert any(d["channel"] == "duty_page" for d in case["deliveries"])


def test_a_liaison_reads_the_case_without_internal_entries(world: Api) -> None:
    case_id = _paged_case(world)
    case = world.case(case_id, "li")
    assert not _types(case) & INTERNAL, _types(case)
    assert not _duty_page_results(case)
    assert {"signal", "dispatched", "awaiting_confirmation"} <= _types(case)
    assert all(d["channel"] != "duty_page" for d in case["deliveries"])


def test_a_team_reads_the_case_without_internal_entries(world: Api) -> None:
    case_id = _paged_case(world)
    assert world.post("off_w", f"/v1/cases/{case_id}/confirm", {"stage": 1}).status_code == 200
    case = world.case(case_id, "tm")
    assert "confirmed" in _types(case)
    assert not _types(case) & INTERNAL and not _duty_page_results(case)


def test_a_duty_page_is_no_delivery_for_a_liaison_to_report_on(world: Api) -> None:
    case_id = _paged_case(world)
    page = world.delivery(case_id, "duty_page")
    answer = world.post("li", f"/v1/deliveries/{page['id']}/result", {"result": "acknowledged"})
    assert answer.status_code == 404
