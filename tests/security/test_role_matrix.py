"""Every endpoint of CONTRACT §3 × every kind of caller, in and out of scope (CONTRACT §2).

The case under test is in wanzhou, of a sanxia-med student, told to the school and
dispatched to team t1. A caller expected to succeed acts on a fresh case of its own in the
state the action needs; the others try the shared one, so that a 403 (may read, may not
act) is told apart from a 404 (may not even know the case exists).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.integration.api_harness import Api
from tests.integration.api_harness import api as api  # the fixture
from warn.service.registration import disable_user

CALLERS = ["feed", "officer", "officer_other_district", "officer_no_district", "liaison",
           "liaison_other_school", "team", "team_other", "admin", "no_token", "bad_token",
           "disabled"]
# Who may do what: 2xx for the listed callers, 401 without a valid token, and otherwise the
# given default (403: the role may never; 404: the case is out of the caller's scope).
NO_AUTH = {"no_token": 401, "bad_token": 401, "disabled": 401}
OUT_OF_SCOPE = {"officer_other_district": 404, "liaison_other_school": 404, "team_other": 404}


def expect(ok: dict[str, int], *, default: int = 403, scoped: bool = True) -> dict[str, int]:
    table = {caller: default for caller in CALLERS}
    if scoped:
        table.update({caller: status for caller, status in OUT_OF_SCOPE.items()
                      if caller not in ok})
    table.update(NO_AUTH)
    table.update(ok)
    return table


READERS = {"officer": 200, "officer_no_district": 200, "liaison": 200, "team": 200,
           "admin": 200}
ACTORS = {"officer": 200, "officer_no_district": 200, "admin": 200}
EVERYONE = dict.fromkeys(CALLERS, 200)
MATRIX: dict[str, dict[str, int]] = {
    "POST /v1/signals": expect({"feed": 202, "admin": 202}, scoped=False),
    "GET /v1/signals/{id}": expect({"feed": 200, "officer": 200, "officer_no_district": 200,
                                    "officer_other_district": 200, "admin": 200},
                                   scoped=False),
    # Another feed's signal is not found by a feed, whoever it is.
    "GET /v1/signals/{id} (another feed's)": expect({
        "feed": 404, "officer": 200, "officer_no_district": 200,
        "officer_other_district": 200, "admin": 200}, scoped=False),
    "GET /v1/cases": expect({**READERS, "officer_other_district": 200,
                             "liaison_other_school": 200, "team_other": 200}),
    "GET /v1/cases/{id}": expect(READERS),
    "GET /v1/deliveries?case_id=": expect(READERS),
    "POST /v1/cases/{id}/confirm": expect(ACTORS),
    "POST /v1/cases/{id}/decline": expect(ACTORS),
    "POST /v1/cases/{id}/escalate": expect(ACTORS),
    "POST /v1/cases/{id}/outcome": expect(ACTORS),
    "POST result on a 96110 call": expect(ACTORS),
    "POST result on a school_group notice": expect({**ACTORS, "liaison": 200}),
    "POST result on a mobile_team dispatch": expect({**ACTORS, "team": 200}),
    "GET /healthz": EVERYONE,
    "GET /metrics": EVERYONE,
    "GET /openapi.json": EVERYONE,
}


class World:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.serial = 0
        api.school("sanxia-med", "wanzhou")
        api.school("other-u", "wanzhou")
        api.team("t1", "wanzhou", capacity=100)
        api.team("t2", "fuling")
        names = {"feed": ("feed", {}), "officer": ("officer", {"district": "wanzhou"}),
                 "officer_other_district": ("officer", {"district": "fuling"}),
                 "officer_no_district": ("officer", {}),
                 "liaison": ("liaison", {"school": "sanxia-med"}),
                 "liaison_other_school": ("liaison", {"school": "other-u"}),
                 "team": ("team", {"team": "t1"}), "team_other": ("team", {"team": "t2"}),
                 "admin": ("admin", {}), "disabled": ("officer", {"district": "wanzhou"})}
        for caller, (role, scope) in names.items():
            api.user(caller, role, **scope)
        disable_user(api.ctx, "disabled", trust_s=0)
        self.shared = self.case("dispatched")
        # The feed's own signal: a feed reads its own ids only (sig-1 was the admin's).
        own = api.signal(signal_id="feed-own", msisdn="+8613700099999")
        assert api.post("feed", "/v1/signals", own).status_code == 202

    def case(self, state: str) -> str:
        """A high case of a student: school told, stage 1 awaiting confirmation or, when
        `state` is "dispatched", confirmed and gone to team t1."""
        self.serial += 1
        case_id = self.api.open_case("flagged_call", msisdn=f"+86139000{self.serial:05d}",
                                     district="wanzhou", school="sanxia-med")
        for channel, result in (("callback_96110", "hung_up"), ("school_group", "not_found")):
            delivery = self.api.delivery(case_id, channel)["id"]
            assert self.api.post("admin", f"/v1/deliveries/{delivery}/result",
                                 {"result": result}).status_code == 200
        if state == "dispatched":
            assert self.api.post("admin", f"/v1/cases/{case_id}/confirm",
                                 {"stage": 1}).status_code == 200
        return case_id

    def request(self, caller: str, method: str, path: str, body: Any = None) -> httpx.Response:
        anonymous = {"no_token": {}, "bad_token": {"Authorization": "Bearer not-a-token"}}
        headers = anonymous[caller] if caller in anonymous else self.api.as_(caller)
        response = self.api.client.request(method, path, headers=headers,
                                           json=body if method == "POST" else None)
        self.api.drain()
        return response


def _case_action(action: str, body: dict[str, Any], state: str) -> Callable[..., Any]:
    def call(world: World, caller: str, allowed: bool) -> httpx.Response:
        case_id = world.case(state) if allowed else world.shared
        return world.request(caller, "POST", f"/v1/cases/{case_id}/{action}", body)

    return call


def _result(channel: str, result: str) -> Callable[..., Any]:
    def call(world: World, caller: str, allowed: bool) -> httpx.Response:
        delivery = world.api.delivery(world.shared, channel)["id"]
        return world.request(caller, "POST", f"/v1/deliveries/{delivery}/result",
                             {"result": result})

    return call


def _get(path: str) -> Callable[..., Any]:
    def call(world: World, caller: str, allowed: bool) -> httpx.Response:
        return world.request(caller, "GET", path.format(case=world.shared))

    return call


def _post_signal(world: World, caller: str, allowed: bool) -> httpx.Response:
    world.serial += 1
    return world.request(caller, "POST", "/v1/signals", world.api.signal(
        signal_id=f"m-{world.serial}", msisdn=f"+86137000{world.serial:05d}"))


CALLS: dict[str, Callable[..., Any]] = {
    "POST /v1/signals": _post_signal,
    "GET /v1/signals/{id}": _get("/v1/signals/feed-own"),
    "GET /v1/signals/{id} (another feed's)": _get("/v1/signals/sig-1"),
    "GET /v1/cases": _get("/v1/cases"),
    "GET /v1/cases/{id}": _get("/v1/cases/{case}"),
    "GET /v1/deliveries?case_id=": _get("/v1/deliveries?case_id={case}"),
    "POST /v1/cases/{id}/confirm": _case_action("confirm", {"stage": 1}, "awaiting"),
    "POST /v1/cases/{id}/decline": _case_action("decline", {"stage": 1}, "awaiting"),
    "POST /v1/cases/{id}/escalate": _case_action("escalate", {}, "dispatched"),
    "POST /v1/cases/{id}/outcome": _case_action("outcome", {"outcome": "dissuaded"},
                                                "dispatched"),
    "POST result on a 96110 call": _result("callback_96110", "no_answer"),
    "POST result on a school_group notice": _result("school_group", "acknowledged"),
    "POST result on a mobile_team dispatch": _result("mobile_team", "acknowledged"),
    "GET /healthz": _get("/healthz"),
    "GET /metrics": _get("/metrics"),
    "GET /openapi.json": _get("/openapi.json"),
}


def test_the_matrix_covers_every_endpoint_of_the_contract() -> None:
    assert set(CALLS) == set(MATRIX)
    assert all(set(row) == set(CALLERS) for row in MATRIX.values())


@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_each_caller_gets_exactly_its_rights(api: Api, endpoint: str) -> None:
    world = World(api)
    expected = MATRIX[endpoint]
    got = {caller: CALLS[endpoint](world, caller, expected[caller] < 300).status_code
           for caller in CALLERS}
    assert got == expected


def test_case_lists_hold_only_what_each_caller_may_see(api: Api) -> None:
    world = World(api)
    seeing = {caller for caller in CALLERS if caller not in NO_AUTH and caller != "feed" and
              world.shared in {item["id"] for item in
                               world.request(caller, "GET", "/v1/cases").json()["items"]}}
    assert seeing == set(READERS)
