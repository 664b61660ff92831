"""Ids are each feed's own, and an unregistered school or district never refuses a signal
(CONTRACT §3, version 2)."""

from __future__ import annotations

import pytest
from api_harness import Api, assert_error
from api_harness import api as api  # the fixture

from warn.service.registration import add_district


@pytest.fixture
def world(api: Api) -> Api:
    add_district(api.ctx, "da", "大安区")
    api.school("da-u", "da")
    api.team("da-1", "da")
    api.team("far-1", "far")
    for feed in ("carrier", "bank"):
        api.user(feed, "feed")
    api.user("off_da", "officer", district="da")
    api.user("off_all", "officer")
    return api


def _post(api: Api, who: str, body: object) -> dict[str, object]:
    response = api.post(who, "/v1/signals", body)
    assert response.status_code == 202, response.text
    answer: dict[str, object] = response.json()
    return answer


def test_two_feeds_may_use_one_id_and_neither_sees_or_blocks_the_other(world: Api) -> None:
    carrier = world.signal(signal_id="000123", msisdn="+8613800000001")
    bank = world.signal("transfer_attempt", signal_id="000123", msisdn="+8613800000002")
    assert _post(world, "carrier", carrier) == {"id": "000123", "duplicate": False}
    # The bank's own signal with the same id is its own: not a conflict, not a duplicate.
    assert _post(world, "bank", bank) == {"id": "000123", "duplicate": False}
    assert _post(world, "bank", bank) == {"id": "000123", "duplicate": True}
    batch = world.post("carrier", "/v1/signals", {"signals": [bank]}).json()
    assert batch["rejected"][0]["error"]["code"] == "id_conflict"  # its own id, other content
    mine = world.get("carrier", "/v1/signals/000123").json()
    theirs = world.get("bank", "/v1/signals/000123").json()
    assert mine["id"] == theirs["id"] == "000123"
    assert mine["case_id"] and theirs["case_id"] and mine["case_id"] != theirs["case_id"]
    assert world.case(str(theirs["case_id"]))["signals"][0]["id"] == "000123"
    # A feed reads only its own ids: another feed's are not found.
    only_bank = world.signal(signal_id="bank-only", msisdn="+8613800000003")
    _post(world, "bank", only_bank)
    assert_error(world.get("carrier", "/v1/signals/bank-only"), 404)
    # An officer names the feed when two used the id.
    assert_error(world.get("off_all", "/v1/signals/000123"), 409, "ambiguous_id")
    named = world.get("off_all", "/v1/signals/000123", feed="bank").json()
    assert named["case_id"] == theirs["case_id"]
    assert world.get("off_all", "/v1/signals/bank-only").json()["id"] == "bank-only"


def test_an_unregistered_school_is_flagged_and_its_student_still_warned(world: Api) -> None:
    body = world.signal("flagged_call", msisdn="+8613800000011", school="nowhere-u",
                        student_no="2023-0001", district="da")
    _post(world, "carrier", body)
    case_id = world.get("root", f"/v1/signals/{body['id']}").json()["case_id"]
    case = world.case(case_id)
    assert "unknown_school" in case["flags"] and "unknown_district" not in case["flags"]
    assert case["subject"]["school"] == "nowhere-u"  # shown as sent
    channels = {d["channel"] for d in case["deliveries"]}
    assert "flash_sms" in channels and "school_group" not in channels
    skipped = [t for t in case["timeline"] if t["type"] == "channel_skipped"]
    assert any("学校未登记" in t["detail"] for t in skipped)
    listed = world.get("off_da", "/v1/cases", flag="unknown_school").json()["items"]
    assert [item["id"] for item in listed] == [case_id]


@pytest.mark.parametrize("spelling", ["da ", "DA", " Da", "ｄａ"])
def test_a_district_in_another_case_or_width_is_the_registered_one(world: Api,
                                                                    spelling: str) -> None:
    body = world.signal("transfer_attempt", msisdn="+8613800000021", district=spelling)
    _post(world, "carrier", body)
    case_id = world.get("root", f"/v1/signals/{body['id']}").json()["case_id"]
    case = world.case(case_id, "off_da")  # the district's officer sees it
    assert "unknown_district" not in case["flags"]
    assert case["subject"]["district"] == "da"
    escalated = world.post("off_da", f"/v1/cases/{case_id}/escalate", {"reason": "go"})
    assert escalated.status_code == 200, escalated.text
    confirmed = world.post("off_da", f"/v1/cases/{case_id}/confirm", {"stage": 1})
    assert confirmed.status_code == 200, confirmed.text
    team = world.delivery(case_id, "mobile_team")
    assert team["recipient"] == "da-1"  # and its own team goes, not the far one


def test_an_unknown_district_is_flagged_and_seen_by_officers_without_one(world: Api) -> None:
    cyrillic = "d\u0430"  # looks like "da"
    body = world.signal("scam_site_visit", msisdn="+8613800000031", district=cyrillic)
    _post(world, "carrier", body)
    case_id = world.get("root", f"/v1/signals/{body['id']}").json()["case_id"]
    assert_error(world.get("off_da", f"/v1/cases/{case_id}"), 404)
    case = world.case(case_id, "off_all")
    assert "unknown_district" in case["flags"]
    assert case["subject"]["district"] == cyrillic  # shown as sent
    assert case_id in {item["id"] for item in
                       world.get("off_all", "/v1/cases", flag="unknown_district").json()["items"]}
