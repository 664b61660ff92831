"""Out-of-range numbers and hostile characters over HTTP, on SQLite and PostgreSQL
(CONTRACT §3): each bad item is refused alone with the 422 error shape, a batch keeps its
valid items, and no number JSON can spell — NaN, Infinity, 1e400, 10**400, 5,000 digits —
makes a 500 or loses the batch.

Bodies are sent as raw JSON text: httpx would refuse to encode NaN, and a 5,000-digit integer
is exactly what Python's own json cannot read back by default.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from api_harness import Api, assert_error
from api_harness import api as api  # the fixture
from sqlalchemy import func, select

from warn.store.models import SignalRow

BIG = "1" + "0" * 400  # 10**400: a float() of it overflows
HUGE = "1" + "0" * 5000  # past the 4,300 digits int() accepts


def _stored(api: Api) -> int:
    with api.ctx.sessions() as session:
        return session.scalar(select(func.count()).select_from(SignalRow)) or 0


def _with(body: dict[str, Any], key: str, literal: str) -> str:
    """`body` as JSON text with attribute `key` spelled `literal`, whatever it was."""
    attributes = {**body["attributes"], key: "@@VALUE@@"}
    return json.dumps({**body, "attributes": attributes}, ensure_ascii=False).replace(
        '"@@VALUE@@"', literal)


def _post_text(api: Api, text: str) -> httpx.Response:
    response = api.client.post("/v1/signals", content=text.encode(),
                               headers={**api.as_("root"), "Content-Type": "application/json"})
    api.drain()  # processing what was accepted must not fail either
    return response


# (kind, attribute, JSON literal, accepted)
NUMBERS = [
    ("flagged_call", "duration_s", "604800", True),
    ("flagged_call", "duration_s", "0", True),
    ("flagged_call", "duration_s", "604801", False),
    ("flagged_call", "duration_s", "-1", False),
    ("flagged_call", "duration_s", "true", False),
    ("flagged_call", "duration_s", BIG, False),
    ("flagged_call", "duration_s", HUGE, False),
    ("flagged_call", "duration_s", "1e400", False),
    ("transfer_attempt", "amount_cny", "1000000000000", True),
    ("transfer_attempt", "amount_cny", "0.01", True),
    ("transfer_attempt", "amount_cny", "1000000000001", False),
    ("transfer_attempt", "amount_cny", "0", False),
    ("transfer_attempt", "amount_cny", "-5", False),
    ("transfer_attempt", "amount_cny", BIG, False),
    ("transfer_attempt", "amount_cny", "-" + HUGE, False),
    ("transfer_attempt", "amount_cny", "1e400", False),
    ("transfer_attempt", "amount_cny", "-1e400", False),
    ("scam_sms", "risk_score", "1e15", True),
    ("scam_sms", "risk_score", "-1000000000000000", True),
    ("scam_sms", "risk_score", "1000000000000001", False),
    ("scam_sms", "risk_score", "1.00000000000000001e15", True),  # the same double as 1e15
    ("scam_sms", "risk_score", "1.000000000000001e15", False),
    ("scam_sms", "risk_score", BIG, False),
    ("scam_sms", "risk_score", HUGE + ".5", False),
    ("scam_sms", "risk_score", "1e400", False),
]


def _id(value: object) -> str | None:
    if isinstance(value, str) and len(value) > 24:
        return f"{value[:4]}…{len(value)}chars"
    return None


@pytest.mark.parametrize(("kind", "key", "literal", "accepted"), NUMBERS, ids=_id)
def test_one_signal_at_or_past_a_bound(api: Api, kind: str, key: str, literal: str,
                                       accepted: bool) -> None:
    body = api.signal(kind)
    response = _post_text(api, _with(body, key, literal))
    if accepted:
        assert response.status_code == 202, response.text
        state = api.get("root", f"/v1/signals/{body['id']}").json()
        assert state["state"] == "processed" and state["case_id"], state
    else:
        error = assert_error(response, 422, "invalid_signal")
        assert error["field"] == f"attributes.{key}"
        assert _stored(api) == 0


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("batch", [False, True])
def test_nan_and_infinity_are_malformed_json_never_a_500(api: Api, literal: str,
                                                         batch: bool) -> None:
    bad = _with(api.signal("transfer_attempt"), "amount_cny", literal)
    text = f'{{"signals": [{json.dumps(api.signal())}, {bad}]}}' if batch else bad
    assert_error(_post_text(api, text), 400, "malformed_json")
    assert _stored(api) == 0


HOSTILE = [
    ("id", "\u202e"), ("id", "\u200b"), ("subject.name", "\u2066"), ("subject.name", "\ufeff"),
    ("subject.location", "\u2060"), ("subject.district", "\x1b"), ("subject.student_no", "\x85"),
    ("attributes.url", "\u202a"), ("attributes.fraud_type", "\u200d"),
    ("attributes.bank", "\u2069"),
]


def _hostile(api: Api, path: str, char: str) -> dict[str, Any]:
    body = api.signal(district="wanzhou")
    section, _, key = path.rpartition(".")
    target = body[section] if section else body
    target[key] = f"{target.get(key, 'x')}{char}evil"
    return body


def test_a_batch_keeps_its_valid_items_and_refuses_each_bad_one_alone(api: Api) -> None:
    good = [api.signal("flagged_call", msisdn="+8613900000001"),
            api.signal("transfer_attempt", msisdn="+8613900000002"),
            api.signal(msisdn="+8613900000003")]
    items: list[tuple[str, str | None]] = []  # (JSON text, the field it must be refused on)
    items.append((json.dumps(good[0]), None))
    for kind, key, literal, accepted in NUMBERS:
        if not accepted:
            items.append((_with(api.signal(kind), key, literal), f"attributes.{key}"))
    items.append((json.dumps(good[1]), None))
    for path, char in HOSTILE:
        items.append((json.dumps(_hostile(api, path, char), ensure_ascii=False), path))
    items.append((json.dumps(good[2]), None))
    text = '{"signals": [' + ", ".join(item for item, _ in items) + "]}"

    response = _post_text(api, text)

    assert response.status_code == 202, response.text[:500]
    answer = response.json()
    good_indexes = [n for n, (_, field) in enumerate(items) if field is None]
    assert answer["accepted"] == [{"index": n, "id": body["id"], "duplicate": False}
                                  for n, body in zip(good_indexes, good, strict=True)]
    rejected = {r["index"]: r["error"] for r in answer["rejected"]}
    assert sorted(rejected) == [n for n, (_, field) in enumerate(items) if field is not None]
    for index, error in rejected.items():
        assert error["code"] == "invalid_signal", error
        assert error["field"] == items[index][1], (index, error)
        assert error["message"]
    assert _stored(api) == len(good)
    for body in good:
        state = api.get("root", f"/v1/signals/{body['id']}").json()
        assert state["state"] == "processed" and state["case_id"], state


@pytest.mark.parametrize(("path", "char"), HOSTILE)
def test_one_signal_with_a_hostile_character_is_a_422_naming_the_field(
        api: Api, path: str, char: str) -> None:
    response = _post_text(api, json.dumps(_hostile(api, path, char)))
    error = assert_error(response, 422, "invalid_signal")
    assert error["field"] == path
    assert char not in response.text
    assert _stored(api) == 0


@pytest.mark.parametrize("name", ["\u202eevil", "x\x00", "\u200b", "k" * 65])
def test_a_hostile_field_name_beside_signals_is_refused_and_not_echoed(api: Api,
                                                                      name: str) -> None:
    text = json.dumps({"signals": [api.signal()], name: 1})
    response = _post_text(api, text)
    error = assert_error(response, 422, "invalid_request")
    assert "field" not in error
    assert name not in response.json()["error"]["message"]
    assert _stored(api) == 0
