"""/v1/cases: the list and its cursor, one case's shape, and the officers' actions."""

from __future__ import annotations

from datetime import datetime

import pytest
from api_harness import MSISDN, Api, assert_error
from api_harness import api as api  # the fixture


@pytest.fixture
def duty(api: Api) -> Api:
    api.school("sanxia-med", "wanzhou")
    api.team("t1", "wanzhou")
    api.user("off", "officer", district="wanzhou")
    return api


def _awaiting(api: Api) -> str:
    """A high case whose mobile-team stage (index 1) waits for a confirmation."""
    case_id = api.open_case("flagged_call", district="wanzhou")
    callback = api.delivery(case_id, "callback_96110")
    api.post("off", f"/v1/deliveries/{callback['id']}/result", {"result": "hung_up"})
    return case_id


def _rfc3339(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.utcoffset() is not None and parsed.utcoffset().total_seconds() == 0
    return parsed


def test_case_has_exactly_the_contract_shape(duty: Api) -> None:
    case_id = duty.open_case("flagged_call", district="wanzhou", name="郭某")
    case = duty.case(case_id, "off")
    assert set(case) == {"id", "state", "outcome", "tier", "score", "flags", "subject",
                         "signals", "stages", "deliveries", "timeline"}
    assert (case["state"], case["outcome"], case["tier"], case["score"]) == \
        ("open", None, "high", 90)
    assert case["subject"] == {"msisdn": MSISDN, "district": "wanzhou", "name": "郭某"}
    [signal] = case["signals"]
    assert set(signal) == {"id", "kind", "observed_at"} and signal["kind"] == "flagged_call"
    _rfc3339(signal["observed_at"])
    first = case["stages"][0]
    assert set(first) == {"index", "tier", "channels", "state", "started_at", "deadline_at"}
    assert first["channels"] == ["flash_sms", "callback_96110", "school_group"]
    assert first["state"] == "active"
    assert (_rfc3339(first["deadline_at"]) - _rfc3339(first["started_at"])).seconds == 300
    assert [s["state"] for s in case["stages"]] == ["active", "pending"]
    delivery = case["deliveries"][0]
    assert set(delivery) == {"id", "case_id", "stage", "channel", "recipient", "body", "state",
                             "attempts", "results", "created_at", "sent_at"}
    assert {d["state"] for d in case["deliveries"]} == {"sent"}
    assert [t["type"] for t in case["timeline"]][:1] == ["signal"]
    assert all(set(t) == {"at", "type", "actor", "detail"} for t in case["timeline"])
    _rfc3339(case["timeline"][0]["at"])


def test_unknown_case_is_a_404(duty: Api) -> None:
    assert_error(duty.get("off", "/v1/cases/nope"), 404, "not_found")
    assert_error(duty.post("root", "/v1/cases/nope/escalate", {}), 404)


def test_list_pages_newest_first_with_an_opaque_cursor(duty: Api) -> None:
    made = []
    for n in range(5):
        made.append(duty.open_case(msisdn=f"+861390000000{n}", district="wanzhou"))
        duty.clock.advance(seconds=1)
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = duty.get("off", "/v1/cases", **params).json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == made[::-1]
    item = duty.get("off", "/v1/cases", limit=1).json()["items"][0]
    assert {"id", "state", "outcome", "tier", "score", "flags", "subject", "opened_at",
            "updated_at"} <= set(item)


def test_list_filters_by_state_tier_and_flag(duty: Api) -> None:
    waiting = _awaiting(duty)
    low = duty.open_case("scam_sms", msisdn="+8613900000009", district="wanzhou")
    duty.post("off", f"/v1/cases/{low}/outcome", {"outcome": "false_positive"})

    def ids(**params: str) -> set[str]:
        return {item["id"] for item in duty.get("off", "/v1/cases", **params).json()["items"]}

    assert ids(state="open") == {waiting}
    assert ids(state="resolved") == {low}
    assert ids(tier="low") == {low} and ids(tier="high") == {waiting}
    assert ids(flag="awaiting_confirmation") == {waiting}
    assert ids(flag="overdue") == set()
    duty.tick(minutes=3)  # the 2-minute confirmation runs out
    assert ids(flag="overdue") == {waiting}
    assert duty.case(waiting)["flags"] == ["awaiting_confirmation", "overdue"]


@pytest.mark.parametrize("params", [{"state": "closed"}, {"tier": "urgent"},
                                    {"flag": "late"}, {"limit": "0"}, {"limit": "many"},
                                    {"limit": "501"}, {"cursor": "garbage!"}])
def test_bad_query_parameters_are_a_clear_422(duty: Api, params: dict[str, str]) -> None:
    error = assert_error(duty.get("off", "/v1/cases", **params), 422, "invalid_request")
    assert error["field"] == next(iter(params))


def test_confirm_dispatches_the_stage_and_a_repeat_is_a_409(duty: Api) -> None:
    case_id = _awaiting(duty)
    response = duty.post("off", f"/v1/cases/{case_id}/confirm", {"stage": 1})
    assert response.status_code == 200, response.text
    case = response.json()
    assert case["flags"] == [] and case["stages"][1]["state"] == "active"
    assert any(d["channel"] == "mobile_team" for d in case["deliveries"])
    assert duty.case(case_id)["stages"][1]["state"] == "active"
    assert_error(duty.post("off", f"/v1/cases/{case_id}/confirm", {"stage": 1}), 409,
                 "conflict")


def test_decline_moves_the_ladder_on(duty: Api) -> None:
    case_id = _awaiting(duty)
    response = duty.post("off", f"/v1/cases/{case_id}/decline",
                         {"stage": 1, "reason": "family reached him"})
    assert response.status_code == 200, response.text
    case = response.json()
    assert case["stages"][1]["state"] == "declined" and "awaiting_confirmation" not in \
        case["flags"]
    assert any("family reached him" in t["detail"] for t in case["timeline"])
    assert_error(duty.post("off", f"/v1/cases/{case_id}/decline", {"stage": 1}), 409)


def test_escalate_ends_the_current_stage(duty: Api) -> None:
    case_id = duty.open_case(district="wanzhou")  # medium: flash + callback first
    response = duty.post("off", f"/v1/cases/{case_id}/escalate", {"reason": "no time"})
    assert response.status_code == 200, response.text
    stages = response.json()["stages"]
    assert stages[0]["state"] == "passed"
    assert duty.post("off", f"/v1/cases/{case_id}/escalate").status_code == 200  # no body


def test_outcome_resolves_and_a_repeat_is_a_409(duty: Api) -> None:
    case_id = _awaiting(duty)
    response = duty.post("off", f"/v1/cases/{case_id}/outcome",
                         {"outcome": "victimized", "note": "transferred before we came"})
    assert response.status_code == 200, response.text
    case = response.json()
    assert (case["state"], case["outcome"], case["flags"]) == ("resolved", "victimized", [])
    assert all(s["state"] not in ("pending", "awaiting_confirmation", "active")
               for s in case["stages"])
    assert_error(duty.post("off", f"/v1/cases/{case_id}/outcome", {"outcome": "dissuaded"}),
                 409, "conflict")
    assert_error(duty.post("off", f"/v1/cases/{case_id}/escalate", {}), 409)


@pytest.mark.parametrize(("path", "body", "field"), [
    ("confirm", {}, "stage"),
    ("confirm", {"stage": "one"}, "stage"),
    ("confirm", {"stage": 1, "extra": True}, "extra"),
    ("decline", {"stage": -1}, "stage"),
    ("escalate", {"reason": "x", "why": "y"}, "why"),
    ("outcome", {"outcome": "warned"}, "outcome"),
    ("outcome", {"note": "x"}, "outcome"),
])
def test_action_bodies_are_validated(duty: Api, path: str, body: dict[str, object],
                                     field: str) -> None:
    case_id = _awaiting(duty)
    error = assert_error(duty.post("off", f"/v1/cases/{case_id}/{path}", body), 422,
                         "invalid_request")
    assert error["field"] == field


def test_actions_are_audited(duty: Api) -> None:
    from sqlalchemy import select

    from warn.store.models import Audit

    case_id = _awaiting(duty)
    duty.post("off", f"/v1/cases/{case_id}/confirm", {"stage": 1})
    duty.post("off", f"/v1/cases/{case_id}/confirm", {"stage": 1})
    with duty.ctx.sessions() as session:
        rows = list(session.scalars(select(Audit).where(Audit.action == "confirm")
                                    .order_by(Audit.id)))
    assert [(r.actor, r.target) for r in rows] == [("off", case_id)] * 2
    assert '"status": 200' in rows[0].detail and '"status": 409' in rows[1].detail


def test_malformed_json_on_an_action_is_a_400(duty: Api) -> None:
    case_id = _awaiting(duty)
    response = duty.client.post(f"/v1/cases/{case_id}/confirm", content=b'{"stage": ',
                                headers={**duty.as_("off"), "Content-Type": "application/json"})
    assert_error(response, 400, "malformed_json")
