"""Who may see and do what (CONTRACT §2): 401, 403, and 404 for cases out of scope."""

from __future__ import annotations

import json

import pytest
from api_harness import MASKED, MSISDN, Api, assert_error
from api_harness import api as api  # the fixture

from warn.service.registration import disable_user


@pytest.fixture
def world(api: Api) -> Api:
    api.school("sanxia-med", "wanzhou")
    api.school("other-u", "wanzhou")
    api.team("t1", "wanzhou")
    api.team("t2", "fuling")
    api.user("carrier", "feed")
    api.user("off_w", "officer", district="wanzhou")
    api.user("off_f", "officer", district="fuling")
    api.user("off_all", "officer")
    api.user("li", "liaison", school="sanxia-med")
    api.user("li2", "liaison", school="other-u")
    api.user("tm", "team", team="t1")
    api.user("tm2", "team", team="t2")
    return api


def _ids(api: Api, who: str) -> set[str]:
    response = api.get(who, "/v1/cases")
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def test_no_unknown_or_revoked_token_is_a_401(world: Api) -> None:
    assert_error(world.client.get("/v1/cases"), 401, "unauthorized")
    for header in ("Bearer nope", "Basic dXNlcjpwdw==", "Bearer ", "token"):
        response = world.client.get("/v1/cases", headers={"Authorization": header})
        assert_error(response, 401, "unauthorized")
    assert world.get("off_w", "/v1/cases").status_code == 200
    disable_user(world.ctx, "off_w")
    assert_error(world.get("off_w", "/v1/cases"), 401)
    assert_error(world.post(None, "/v1/signals", world.signal()), 401)


def test_each_role_gets_403_outside_its_rights(world: Api) -> None:
    case_id = world.open_case(district="wanzhou")
    assert_error(world.get("carrier", "/v1/cases"), 403, "forbidden")
    assert_error(world.get("carrier", f"/v1/cases/{case_id}"), 403)
    assert_error(world.get("carrier", "/v1/deliveries", case_id=case_id), 403)
    assert_error(world.post("carrier", f"/v1/cases/{case_id}/escalate", {}), 403)
    for who in ("li", "tm", "off_w"):
        assert_error(world.post(who, "/v1/signals", world.signal()), 403)
    for who in ("li", "tm"):
        assert_error(world.get(who, "/v1/signals/sig-1"), 403)
    assert world.get("off_w", "/v1/signals/sig-1").status_code == 200


def test_officer_sees_its_district_and_districtless_officer_sees_all(world: Api) -> None:
    wanzhou = world.open_case(district="wanzhou", msisdn="+8613800000001")
    fuling = world.open_case(district="fuling", msisdn="+8613800000002")
    nowhere = world.open_case(msisdn="+8613800000003")
    assert _ids(world, "off_w") == {wanzhou}
    assert _ids(world, "off_f") == {fuling}
    assert _ids(world, "off_all") == {wanzhou, fuling, nowhere}
    assert _ids(world, "root") == {wanzhou, fuling, nowhere}
    assert world.get("off_w", f"/v1/cases/{wanzhou}").status_code == 200
    for case_id in (fuling, nowhere):
        assert_error(world.get("off_w", f"/v1/cases/{case_id}"), 404, "not_found")
        assert_error(world.get("off_w", "/v1/deliveries", case_id=case_id), 404)
        assert_error(world.post("off_w", f"/v1/cases/{case_id}/escalate", {}), 404)
    assert world.get("off_all", f"/v1/cases/{nowhere}").status_code == 200


def test_liaison_reads_its_students_case_only_once_the_school_is_told(world: Api) -> None:
    case_id = world.open_case(district="wanzhou", school="sanxia-med", name="郭某")
    assert_error(world.get("li", f"/v1/cases/{case_id}"), 404)
    assert _ids(world, "li") == set()
    callback = world.delivery(case_id, "callback_96110")
    assert world.post("off_w", f"/v1/deliveries/{callback['id']}/result",
                      {"result": "hung_up"}).status_code == 200
    case = world.case(case_id, "li")
    assert [d["recipient"] for d in case["deliveries"] if d["channel"] == "school_group"] \
        == ["li"]
    assert _ids(world, "li") == {case_id}
    assert_error(world.get("li2", f"/v1/cases/{case_id}"), 404)
    assert _ids(world, "li2") == set()
    assert_error(world.get("li2", "/v1/deliveries", case_id=case_id), 404)


def test_liaison_sees_the_number_masked_everywhere(world: Api) -> None:
    case_id = world.open_case(district="wanzhou", school="sanxia-med")
    callback = world.delivery(case_id, "callback_96110")
    world.post("off_w", f"/v1/deliveries/{callback['id']}/result",
               {"result": "hung_up", "note": f"rang {MSISDN}, hung up"})
    assert MSISDN in json.dumps(world.case(case_id, "off_w"), ensure_ascii=False)
    answers = [world.get("li", f"/v1/cases/{case_id}").text,
               world.get("li", "/v1/cases").text,
               world.get("li", "/v1/deliveries", case_id=case_id).text]
    for text in answers:
        assert "13812345678" not in text and MASKED in text
    case = world.case(case_id, "li")
    assert case["subject"]["msisdn"] == MASKED
    flash = [d for d in case["deliveries"] if d["channel"] == "flash_sms"]
    assert flash and flash[0]["recipient"] == MASKED
    assert any(MASKED in d["body"] for d in case["deliveries"])
    assert any(MASKED in r["note"] for d in case["deliveries"] for r in d["results"])
    assert all(d["channel"] != "duty_page" for d in case["deliveries"])


def test_liaison_and_team_may_read_but_not_act(world: Api) -> None:
    case_id = world.open_case(district="wanzhou", school="sanxia-med")
    callback = world.delivery(case_id, "callback_96110")
    world.post("off_w", f"/v1/deliveries/{callback['id']}/result", {"result": "hung_up"})
    for path, body in (("escalate", {}), ("outcome", {"outcome": "dissuaded"}),
                       ("confirm", {"stage": 2})):
        assert_error(world.post("li", f"/v1/cases/{case_id}/{path}", body), 403, "forbidden")
        assert_error(world.post("li2", f"/v1/cases/{case_id}/{path}", body), 404)
    assert_error(world.post("li", f"/v1/deliveries/{callback['id']}/result",
                            {"result": "dissuaded"}), 403)
    assert world.case(case_id)["state"] == "open"


def _dispatch_team(api: Api) -> str:
    """A high case in wanzhou: callback hung up → the mobile team stage waits → confirmed."""
    case_id = api.open_case("flagged_call", district="wanzhou")
    callback = api.delivery(case_id, "callback_96110")
    api.post("off_w", f"/v1/deliveries/{callback['id']}/result", {"result": "hung_up"})
    case = api.case(case_id)
    assert case["flags"] == ["awaiting_confirmation"], case["flags"]
    return case_id


def test_team_reads_and_reports_only_what_was_dispatched_to_it(world: Api) -> None:
    case_id = _dispatch_team(world)
    assert_error(world.get("tm", f"/v1/cases/{case_id}"), 404)
    response = world.post("off_w", f"/v1/cases/{case_id}/confirm", {"stage": 1})
    assert response.status_code == 200, response.text
    team = world.delivery(case_id, "mobile_team")
    assert team["recipient"] == "t1"
    assert _ids(world, "tm") == {case_id}
    assert world.get("tm", f"/v1/cases/{case_id}").json()["subject"]["msisdn"] == MSISDN
    assert_error(world.get("tm2", f"/v1/cases/{case_id}"), 404)
    assert_error(world.post("tm2", f"/v1/deliveries/{team['id']}/result",
                            {"result": "arrived"}), 404)
    callback = world.delivery(case_id, "callback_96110")
    assert_error(world.post("tm", f"/v1/deliveries/{callback['id']}/result",
                            {"result": "dissuaded"}), 403)
    assert_error(world.post("tm", f"/v1/cases/{case_id}/escalate", {}), 403)
    arrived = world.post("tm", f"/v1/deliveries/{team['id']}/result", {"result": "arrived"})
    assert arrived.status_code == 200, arrived.text
    assert [r["result"] for r in arrived.json()["results"]] == ["arrived"]
    done = world.post("tm", f"/v1/deliveries/{team['id']}/result", {"result": "dissuaded"})
    assert done.status_code == 200
    case = world.case(case_id)
    assert (case["state"], case["outcome"]) == ("resolved", "dissuaded")
