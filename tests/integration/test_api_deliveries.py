"""/v1/deliveries: a case's messages and the results reported on them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from api_harness import MASKED, MSISDN, Api, assert_error
from api_harness import api as api  # the fixture


@pytest.fixture
def duty(api: Api) -> Api:
    api.school("sanxia-med", "wanzhou")
    api.user("off", "officer", district="wanzhou")
    api.user("li", "liaison", school="sanxia-med")
    return api


def _result(api: Api, who: str, delivery_id: str, result: str, note: str | None = None
            ) -> dict[str, object]:
    response = api.post(who, f"/v1/deliveries/{delivery_id}/result",
                        {"result": result, **({"note": note} if note else {})})
    assert response.status_code == 200, response.text
    data: dict[str, object] = response.json()
    return data


def test_list_needs_a_case_id(duty: Api) -> None:
    error = assert_error(duty.get("off", "/v1/deliveries"), 422, "invalid_request")
    assert error["field"] == "case_id"
    assert_error(duty.get("off", "/v1/deliveries", case_id="nope"), 404)


def test_list_shows_every_message_of_the_case(duty: Api) -> None:
    case_id = duty.open_case(district="wanzhou")
    items = duty.get("off", "/v1/deliveries", case_id=case_id).json()["items"]
    assert [(d["channel"], d["recipient"], d["state"]) for d in items] == [
        ("flash_sms", MSISDN, "sent"), ("callback_96110", MSISDN, "sent")]
    assert all(d["case_id"] == case_id and d["attempts"] == 1 and d["body"] for d in items)
    assert all(d["sent_at"] and d["created_at"] and d["results"] == [] for d in items)
    assert items == duty.case(case_id)["deliveries"]


def test_result_answers_with_the_delivery(duty: Api) -> None:
    case_id = duty.open_case(district="wanzhou")
    flash = duty.delivery(case_id, "flash_sms")
    answer = _result(duty, "off", flash["id"], "read", "shown on screen")
    assert answer["id"] == flash["id"] and answer["channel"] == "flash_sms"
    [result] = answer["results"]  # type: ignore[misc]
    assert (result["result"], result["note"], result["actor"]) == ("read", "shown on screen",
                                                                   "off")


@pytest.mark.parametrize(("channel", "result"), [("flash_sms", "dissuaded"),
                                                 ("callback_96110", "arrived"),
                                                 ("callback_96110", "whatever")])
def test_a_result_the_channel_never_reports_is_a_422(duty: Api, channel: str,
                                                     result: str) -> None:
    case_id = duty.open_case(district="wanzhou")
    delivery = duty.delivery(case_id, channel)
    response = duty.post("off", f"/v1/deliveries/{delivery['id']}/result", {"result": result})
    assert_error(response, 422)
    assert duty.delivery(case_id, channel)["results"] == []
    assert duty.case(case_id)["state"] == "open"


def test_result_bodies_are_validated(duty: Api) -> None:
    case_id = duty.open_case(district="wanzhou")
    delivery = duty.delivery(case_id, "flash_sms")
    for body, field in (({}, "result"), ({"result": "read", "by": "me"}, "by"),
                        ({"result": 3}, "result")):
        response = duty.post("off", f"/v1/deliveries/{delivery['id']}/result", body)
        assert assert_error(response, 422, "invalid_request")["field"] == field
    assert_error(duty.post("off", "/v1/deliveries/nope/result", {"result": "read"}), 404)


def test_a_result_on_a_resolved_case_is_recorded_and_changes_nothing_else(duty: Api) -> None:
    case_id = duty.open_case(district="wanzhou")
    duty.post("off", f"/v1/cases/{case_id}/outcome", {"outcome": "false_positive"})
    before = duty.case(case_id)
    callback = duty.delivery(case_id, "callback_96110")
    answer = _result(duty, "off", callback["id"], "dissuaded")
    assert [r["result"] for r in answer["results"]] == ["dissuaded"]  # type: ignore[attr-defined]
    after = duty.case(case_id)
    for key in ("state", "outcome", "tier", "score", "flags", "stages", "signals"):
        assert after[key] == before[key], key
    assert len(after["deliveries"]) == len(before["deliveries"])
    assert after["timeline"][:len(before["timeline"])] == before["timeline"]


def test_medium_case_ends_dissuaded_by_the_school(duty: Api, mock_log: Path) -> None:
    """scam_site_visit of a student: 96110 hung up → school group → counsellor dissuades."""
    case_id = duty.open_case(district="wanzhou", school="sanxia-med", name="郭某")
    case = duty.case(case_id, "off")
    assert (case["tier"], [s["state"] for s in case["stages"]]) == \
        ("medium", ["active", "pending", "pending"])
    assert_error(duty.get("li", f"/v1/cases/{case_id}"), 404)

    callback = duty.delivery(case_id, "callback_96110")
    _result(duty, "off", callback["id"], "hung_up", "挂断")
    case = duty.case(case_id, "li")
    assert [s["state"] for s in case["stages"]][:2] == ["failed", "active"]
    school = [d for d in case["deliveries"] if d["channel"] == "school_group"]
    assert [(d["recipient"], d["state"]) for d in school] == [("li", "sent")]
    assert case["subject"]["msisdn"] == MASKED

    answer = _result(duty, "li", school[0]["id"], "dissuaded", "辅导员到宿舍劝阻成功")
    assert answer["recipient"] == "li"
    case = duty.case(case_id, "off")
    assert (case["state"], case["outcome"], case["flags"]) == ("resolved", "dissuaded", [])
    assert case["stages"][1]["state"] == "succeeded"
    assert case["stages"][2]["state"] == "cancelled"  # every pending stage ends with the case
    sent = [json.loads(line) for line in mock_log.read_text().splitlines()]
    # The first stage's two messages go out in parallel, in either order.
    channels = [line["channel"] for line in sent]
    assert sorted(channels[:2]) == ["callback_96110", "flash_sms"]
    assert channels[2:] == ["school_group"]
    assert duty.get("li", f"/v1/cases/{case_id}").status_code == 200


def test_officers_see_duty_pages_and_liaisons_do_not(duty: Api) -> None:
    duty.team("t1", "wanzhou")
    case_id = duty.open_case("flagged_call", district="wanzhou", school="sanxia-med")
    callback = duty.delivery(case_id, "callback_96110")
    _result(duty, "off", callback["id"], "hung_up")
    school = duty.delivery(case_id, "school_group")
    _result(duty, "li", school["id"], "not_found")
    officer_view = duty.get("off", "/v1/deliveries", case_id=case_id).json()["items"]
    pages = [d for d in officer_view if d["channel"] == "duty_page"]
    assert pages and {d["recipient"] for d in pages} == {"off"}
    liaison_view = duty.get("li", "/v1/deliveries", case_id=case_id).json()["items"]
    assert {d["channel"] for d in liaison_view} == {"flash_sms", "callback_96110",
                                                    "school_group"}
    assert_error(duty.post("li", f"/v1/deliveries/{pages[0]['id']}/result",
                           {"result": "acknowledged"}), 404)
    assert _result(duty, "off", pages[0]["id"], "acknowledged")["channel"] == "duty_page"
