"""CONTRACT §3 `sort=urgency` and `confirm {"stage", "team"}` through the API, on SQLite and
PostgreSQL: the order a duty room works in, page by page, and the team an officer names."""

from __future__ import annotations

import pytest
from api_harness import Api, assert_error
from api_harness import api as api  # the fixture


@pytest.fixture
def duty(api: Api) -> Api:
    api.school("sanxia-med", "wanzhou")
    api.team("t1", "wanzhou")
    api.team("f1", "fuling")
    api.user("off", "officer", district="wanzhou")
    return api


def _number(n: int) -> str:
    return f"+861390000{n:04d}"


def _awaiting(api: Api, n: int) -> str:
    """A high case whose mobile-team stage (index 1) waits for a confirmation."""
    case_id = api.open_case("flagged_call", msisdn=_number(n), district="wanzhou")
    callback = api.delivery(case_id, "callback_96110")
    api.post("off", f"/v1/deliveries/{callback['id']}/result", {"result": "hung_up"})
    assert "awaiting_confirmation" in api.case(case_id)["flags"]
    return case_id


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_urgency_is_tier_then_what_needs_an_officer_then_deadline_then_age(duty: Api) -> None:
    low = duty.open_case("scam_sms", msisdn=_number(1), district="wanzhou")
    duty.tick(minutes=1)
    medium_old = duty.open_case("scam_site_visit", msisdn=_number(2), district="wanzhou")
    duty.tick(minutes=1)
    medium_new = duty.open_case("scam_site_visit", msisdn=_number(3), district="wanzhou")
    duty.tick(minutes=1)
    high_running = duty.open_case("flagged_call", msisdn=_number(4), district="wanzhou")
    duty.tick(minutes=1)
    high_asking = _awaiting(duty, 5)

    ordered = _ids(duty.get("off", "/v1/cases", sort="urgency"))
    assert ordered == [high_asking, high_running, medium_old, medium_new, low]
    newest = _ids(duty.get("off", "/v1/cases"))
    assert newest == [high_asking, high_running, medium_new, medium_old, low]


def test_an_overdue_confirmation_comes_before_one_still_in_time(duty: Api) -> None:
    first = _awaiting(duty, 1)
    duty.tick(minutes=1)
    second = _awaiting(duty, 2)
    duty.tick(minutes=1, seconds=30)  # the first one's 2 minutes are over
    assert duty.case(first)["flags"] == ["awaiting_confirmation", "overdue"]
    assert _ids(duty.get("off", "/v1/cases", sort="urgency")) == [first, second]


def test_urgency_pages_follow_the_same_order_to_the_end(duty: Api) -> None:
    made = [_awaiting(duty, 1)]
    for n, kind in enumerate(["scam_sms", "scam_site_visit", "flagged_call", "scam_sms",
                              "scam_site_visit"], start=2):
        made.append(duty.open_case(kind, msisdn=_number(n), district="wanzhou"))
        duty.tick(seconds=20)
    whole = _ids(duty.get("off", "/v1/cases", sort="urgency", limit=50))
    assert sorted(whole) == sorted(made)
    paged: list[str] = []
    cursor = None
    while True:
        params = {"sort": "urgency", "limit": 2, **({"cursor": cursor} if cursor else {})}
        answer = duty.get("off", "/v1/cases", **params)
        paged += _ids(answer)
        cursor = answer.json()["next"]
        if cursor is None:
            break
    assert paged == whole


def test_a_cursor_of_one_order_is_refused_by_the_other(duty: Api) -> None:
    for n in range(3):
        duty.open_case("scam_sms", msisdn=_number(n), district="wanzhou")
    newest = duty.get("off", "/v1/cases", limit=1).json()["next"]
    urgent = duty.get("off", "/v1/cases", limit=1, sort="urgency").json()["next"]
    assert_error(duty.get("off", "/v1/cases", sort="urgency", cursor=newest), 422)
    assert_error(duty.get("off", "/v1/cases", cursor=urgent), 422)
    assert_error(duty.get("off", "/v1/cases", sort="loudest"), 422)


def test_urgency_combines_with_the_filters(duty: Api) -> None:
    asking = _awaiting(duty, 1)
    duty.open_case("scam_sms", msisdn=_number(2), district="wanzhou")
    high = duty.open_case("flagged_call", msisdn=_number(3), district="wanzhou")
    assert _ids(duty.get("off", "/v1/cases", sort="urgency", tier="high")) == [asking, high]
    assert _ids(duty.get("off", "/v1/cases", sort="urgency",
                         flag="awaiting_confirmation")) == [asking]


def test_confirm_sends_the_team_named_of_another_district(duty: Api) -> None:
    case_id = _awaiting(duty, 1)
    answer = duty.post("off", f"/v1/cases/{case_id}/confirm", {"stage": 1, "team": "f1"})
    assert answer.status_code == 200, answer.text
    teams = [d["recipient"] for d in answer.json()["deliveries"]
             if d["channel"] == "mobile_team"]
    assert teams == ["f1"]
    assert answer.json()["flags"] == []


def test_confirm_naming_a_busy_or_unknown_team_is_409_and_changes_nothing(duty: Api) -> None:
    first, second = _awaiting(duty, 1), _awaiting(duty, 2)
    assert duty.post("off", f"/v1/cases/{first}/confirm",
                     {"stage": 1, "team": "f1"}).status_code == 200
    assert_error(duty.post("off", f"/v1/cases/{second}/confirm", {"stage": 1, "team": "f1"}),
                 409)
    assert_error(duty.post("off", f"/v1/cases/{second}/confirm",
                           {"stage": 1, "team": "nobody-9"}), 409)
    assert duty.case(second)["flags"] == ["awaiting_confirmation"]
    assert_error(duty.post("off", f"/v1/cases/{second}/confirm", {"stage": 1, "team": ""}), 422)
    done = duty.post("off", f"/v1/cases/{second}/confirm", {"stage": 1, "team": "t1"})
    assert done.status_code == 200, done.text


def test_naming_a_team_for_a_stage_that_sends_none_is_409(duty: Api) -> None:
    case_id = duty.open_case("scam_site_visit", msisdn=_number(1), district="wanzhou")
    assert_error(duty.post("off", f"/v1/cases/{case_id}/confirm", {"stage": 0, "team": "t1"}),
                 409)
