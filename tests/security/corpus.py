"""A corpus of malformed and hostile requests, each with the answer it must get.

Every entry is refused: the right 4xx, the error shape of CONTRACT §3 with a message, the
field at fault where there is one — and nothing stored or changed (the test checks the
database). Paths may name `{case}` (a case awaiting confirmation of stage 1), `{callback}`
and `{flash}` (two of its deliveries), and `{signal}` (a stored signal's id).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Bad:
    name: str
    path: str
    body: Any  # a JSON value, bytes sent as they are, or a callable making either
    status: int
    code: str
    field: str | None = None
    method: str = "POST"
    who: str = "carrier"


def signal(**changes: Any) -> dict[str, Any]:
    """A valid signal with `changes` applied; a dotted key reaches inside, None removes."""
    base: dict[str, Any] = {
        "id": "bad-1", "kind": "scam_site_visit",
        "observed_at": datetime.now(UTC).isoformat(),
        "subject": {"msisdn": "+8613900000001", "name": "郭某", "district": "wanzhou"},
        "attributes": {"url": "hxxp://pay[.]cn"}}
    data = copy.deepcopy(base)
    for dotted, value in changes.items():
        *parents, last = dotted.replace("__", ".").split(".")
        target = data
        for key in parents:
            target = target[key]
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value
    return data


def _ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def _call(**attributes: Any) -> dict[str, Any]:
    return signal(kind="flagged_call", attributes={"caller": "+85212345678",
                                                   "duration_s": 60, **attributes})


def _transfer(amount: Any) -> dict[str, Any]:
    return signal(kind="transfer_attempt", attributes={"account": "6222", "amount_cny": amount})


def _spelled(body: dict[str, Any], key: str, literal: str) -> Callable[[], bytes]:
    """`body` as JSON text, made when sent, with attribute `key` spelled `literal`: what no
    Python value encodes (NaN, 5,000 digits) or what one cannot reach (1e400)."""
    def make() -> bytes:
        fresh = {**body, "observed_at": datetime.now(UTC).isoformat(),
                 "attributes": {**body["attributes"], key: "@@VALUE@@"}}
        return json.dumps(fresh).replace('"@@VALUE@@"', literal).encode()
    return make


BIG = "1" + "0" * 400  # 10**400: beyond a double
HUGE = "1" + "0" * 5000  # beyond the 4,300 digits Python's int() reads


def _bad_signal(name: str, body: Any, field: str | None, status: int = 422,
                code: str = "invalid_signal") -> Bad:
    return Bad(name, "/v1/signals", body, status, code, field)


SIGNALS = [
    _bad_signal("malformed JSON", b'{"id": "x",', None, 400, "malformed_json"),
    _bad_signal("empty body", b"", None, 400, "malformed_json"),
    _bad_signal("NaN is not JSON", b'{"id": NaN}', None, 400, "malformed_json"),
    _bad_signal("Infinity is not JSON", b'{"id": Infinity}', None, 400, "malformed_json"),
    _bad_signal("form data, not JSON", b"id=1&kind=scam_sms", None, 400, "malformed_json"),
    _bad_signal("JSON null", b"null", None),
    _bad_signal("a bare string", "scam", None),
    _bad_signal("a bare number", 42, None),
    _bad_signal("a bare list", [signal()], None),
    _bad_signal("nested a million levels", b"[" * 500_000 + b"]" * 500_000, None, 400,
                "malformed_json"),
    _bad_signal("over 1 MiB", {"signals": [signal(id=f"s{n}", **{"subject.location": "x" * 250})
                                           for n in range(3000)]}, None, 413,
                "payload_too_large"),
    _bad_signal("id missing", signal(id=None), "id"),
    _bad_signal("id empty", signal(id=""), "id"),
    _bad_signal("id blank", signal(id="   "), "id"),
    _bad_signal("id of 129 characters", signal(id="x" * 129), "id"),
    _bad_signal("id a number", signal(id=12345), "id"),
    _bad_signal("id with a NUL", signal(id="a\x00b"), "id"),
    _bad_signal("id with a newline", signal(id="a\nb"), "id"),
    _bad_signal("kind unknown", signal(kind="rumour"), "kind"),
    _bad_signal("kind missing", signal(kind=None), "kind"),
    _bad_signal("kind a list", signal(kind=["scam_sms"]), "kind"),
    _bad_signal("observed_at missing", signal(observed_at=None), "observed_at"),
    _bad_signal("observed_at words", signal(observed_at="yesterday"), "observed_at"),
    _bad_signal("observed_at without offset", signal(observed_at="2026-02-23T18:43:00"),
                "observed_at"),
    # made when sent: the suite may run minutes after this module was imported
    _bad_signal("observed_at 10 minutes ahead",
                lambda: signal(observed_at=_ago(minutes=-10)), "observed_at"),
    _bad_signal("observed_at 8 days behind", lambda: signal(observed_at=_ago(days=8)),
                "observed_at"),
    _bad_signal("observed_at a number", signal(observed_at=1771843380), "observed_at"),
    _bad_signal("observed_at month 13", signal(observed_at="2026-13-01T00:00:00+08:00"),
                "observed_at"),
    _bad_signal("subject missing", signal(subject=None), "subject"),
    _bad_signal("subject a string", signal(subject="+8613900000001"), "subject"),
    _bad_signal("msisdn missing", signal(**{"subject.msisdn": None}), "subject.msisdn"),
    _bad_signal("msisdn without +", signal(**{"subject.msisdn": "13812345678"}),
                "subject.msisdn"),
    _bad_signal("msisdn with letters", signal(**{"subject.msisdn": "+86138abc5678"}),
                "subject.msisdn"),
    _bad_signal("msisdn 16 digits", signal(**{"subject.msisdn": "+8613812345678901"}),
                "subject.msisdn"),
    _bad_signal("msisdn a number", signal(**{"subject.msisdn": 8613812345678}),
                "subject.msisdn"),
    _bad_signal("msisdn SQL", signal(**{"subject.msisdn": "+86138'; DROP TABLE signals;--"}),
                "subject.msisdn"),
    _bad_signal("msisdn fullwidth digits",
                signal(**{"subject.msisdn": "+８６１３８１２３４５６７８"}), "subject.msisdn"),
    _bad_signal("unknown subject field", signal(**{"subject.id_card": "500101..."}),
                "subject.id_card"),
    _bad_signal("unknown top-level field", signal(priority="urgent"), "priority"),
    _bad_signal("name of 65 characters", signal(**{"subject.name": "郭" * 65}), "subject.name"),
    _bad_signal("name with a NUL", signal(**{"subject.name": "郭\x00某"}), "subject.name"),
    _bad_signal("name with U+2028", signal(**{"subject.name": "郭\u2028某"}), "subject.name"),
    _bad_signal("name with an escape sequence", signal(**{"subject.name": "\x1b[31m郭某"}),
                "subject.name"),
    _bad_signal("name a list", signal(**{"subject.name": ["郭某"]}), "subject.name"),
    _bad_signal("url missing", signal(attributes={}), "attributes.url"),
    _bad_signal("url null", signal(attributes={"url": None}), "attributes.url"),
    _bad_signal("url a number", signal(attributes={"url": 7}), "attributes.url"),
    _bad_signal("duration negative", _call(duration_s=-1), "attributes.duration_s"),
    _bad_signal("duration a string", _call(duration_s="3600"), "attributes.duration_s"),
    _bad_signal("duration a boolean", _call(duration_s=True), "attributes.duration_s"),
    _bad_signal("duration a fraction", _call(duration_s=1.5), "attributes.duration_s"),
    _bad_signal("ongoing a string", _call(ongoing="yes"), "attributes.ongoing"),
    _bad_signal("amount zero", _transfer(0), "attributes.amount_cny"),
    _bad_signal("amount negative", _transfer(-60000), "attributes.amount_cny"),
    _bad_signal("amount a string", _transfer("60000"), "attributes.amount_cny"),
    _bad_signal("amount beyond a double", json.dumps(_transfer(1)).replace(
        '"amount_cny": 1', '"amount_cny": 1e309').encode(), "attributes.amount_cny"),
    _bad_signal("duration past a week", _call(duration_s=604_801), "attributes.duration_s"),
    _bad_signal("duration 10**400", _spelled(_call(), "duration_s", BIG),
                "attributes.duration_s"),
    _bad_signal("duration of 5,000 digits", _spelled(_call(), "duration_s", HUGE),
                "attributes.duration_s"),
    _bad_signal("duration 1e400", _spelled(_call(), "duration_s", "1e400"),
                "attributes.duration_s"),
    _bad_signal("duration Infinity", _spelled(_call(), "duration_s", "Infinity"), None, 400,
                "malformed_json"),
    _bad_signal("amount past 10^12", _transfer(10**12 + 1), "attributes.amount_cny"),
    _bad_signal("amount 10**400", _spelled(_transfer(1), "amount_cny", BIG),
                "attributes.amount_cny"),
    _bad_signal("amount of 5,000 digits", _spelled(_transfer(1), "amount_cny", HUGE),
                "attributes.amount_cny"),
    _bad_signal("amount of minus 5,000 digits", _spelled(_transfer(1), "amount_cny",
                                                         "-" + HUGE), "attributes.amount_cny"),
    _bad_signal("amount -1e400", _spelled(_transfer(1), "amount_cny", "-1e400"),
                "attributes.amount_cny"),
    _bad_signal("amount NaN", _spelled(_transfer(1), "amount_cny", "NaN"), None, 400,
                "malformed_json"),
    _bad_signal("amount -Infinity", _spelled(_transfer(1), "amount_cny", "-Infinity"), None,
                400, "malformed_json"),
    _bad_signal("NaN inside a batch", lambda: b'{"signals": [' + _spelled(
        _transfer(1), "amount_cny", "NaN")() + b"]}", None, 400, "malformed_json"),
    _bad_signal("extra number past 10^15", signal(attributes={"url": "u", "n": 10**15 + 1}),
                "attributes.n"),
    _bad_signal("extra number below -10^15", signal(attributes={"url": "u",
                                                                "n": -(10**15) - 1}),
                "attributes.n"),
    _bad_signal("extra number 1e400", _spelled(signal(), "n", "1e400"), "attributes.n"),
    _bad_signal("extra number 10**400", _spelled(signal(), "n", BIG), "attributes.n"),
    _bad_signal("extra number of 5,000 digits", _spelled(signal(), "n", HUGE + ".0"),
                "attributes.n"),
    _bad_signal("id with a right-to-left override", signal(id="abc\u202egpj.exe"), "id"),
    _bad_signal("id with a zero-width space", signal(id="bad\u200b1"), "id"),
    _bad_signal("id with a BOM", signal(id="\ufeffbad-1"), "id"),
    _bad_signal("observed_at with a zero-width space", lambda: signal(
        observed_at=datetime.now(UTC).isoformat() + "\u200b"), "observed_at"),
    _bad_signal("msisdn with a zero-width joiner",
                signal(**{"subject.msisdn": "+86138\u200d12345678"}), "subject.msisdn"),
    _bad_signal("name ending in a right-to-left override", signal(**{"subject.name": "王\u202e"}),
                "subject.name"),
    _bad_signal("location with a left-to-right embedding",
                signal(**{"subject.location": "\u202a万州区北滨路"}), "subject.location"),
    _bad_signal("fraud_type with a right-to-left mark",
                signal(attributes={"url": "u", "fraud_type": "other\u200f"}),
                "attributes.fraud_type"),
    _bad_signal("name with Arabic letter marks between reversed digits",
                signal(**{"subject.name": "郭" + "".join("\u061c" + d for d in "87654321931")}),
                "subject.name"),
    _bad_signal("caller reversed behind Arabic letter marks",
                signal(attributes={"url": "u", "caller": "".join("\u061c" + d
                                                                 for d in "43210000831")}),
                "attributes.caller"),
    _bad_signal("location with a soft hyphen", signal(**{"subject.location": "北滨\u00ad路"}),
                "subject.location"),
    _bad_signal("name with a Mongolian vowel separator",
                signal(**{"subject.name": "郭\u180e某"}), "subject.name"),
    _bad_signal("name with a Hangul filler", signal(**{"subject.name": "郭\u3164"}),
                "subject.name"),
    _bad_signal("student_no with a variation selector",
                signal(**{"subject.student_no": "2023\ufe0f-0412"}), "subject.student_no"),
    _bad_signal("name with tag characters", signal(**{"subject.name": "郭\U000e0041"}),
                "subject.name"),
    _bad_signal("name with a word joiner", signal(**{"subject.name": "郭\u2060某"}),
                "subject.name"),
    _bad_signal("name with a byte order mark", signal(**{"subject.name": "\ufeff郭某"}),
                "subject.name"),
    _bad_signal("name with a bidi isolate", signal(**{"subject.name": "郭\u2066某\u2069"}),
                "subject.name"),
    _bad_signal("name with a left-to-right mark", signal(**{"subject.name": "郭\u200e某"}),
                "subject.name"),
    _bad_signal("district with an override", signal(**{"subject.district": "wan\u202dzhou"}),
                "subject.district"),
    _bad_signal("student_no with invisible times",
                signal(**{"subject.student_no": "2023\u20620412"}), "subject.student_no"),
    _bad_signal("location with a word joiner", signal(**{"subject.location": "万州\u2060区"}),
                "subject.location"),
    _bad_signal("url with a right-to-left embedding",
                signal(attributes={"url": "hxxp://\u202bnc[.]yap"}), "attributes.url"),
    _bad_signal("fraud_type with a zero-width non-joiner",
                signal(attributes={"url": "u", "fraud_type": "fake\u200c_loan"}),
                "attributes.fraud_type"),
    _bad_signal("extra text with a pop directional isolate",
                signal(attributes={"url": "u", "bank": "ICBC\u2069"}), "attributes.bank"),
    _bad_signal("attribute name with an override",
                signal(attributes={"url": "u", "bank\u202e": "ICBC"}), "attributes"),
    _bad_signal("unknown subject field named with an override",
                signal(**{"subject.n\u202eame": "x"}), "subject"),
    _bad_signal("unknown top-level field named with a BOM", signal(**{"\ufeffid": "x"}),
                None),
    _bad_signal("attributes a list", signal(attributes=["url"]), "attributes"),
    _bad_signal("17 extra attributes", signal(attributes={"url": "u", **{
        f"k{n}": n for n in range(17)}}), "attributes"),
    _bad_signal("attribute an object", signal(attributes={"url": "u", "extra": {"a": 1}}),
                "attributes.extra"),
    _bad_signal("attribute a list", signal(attributes={"url": "u", "extra": [1, 2]}),
                "attributes.extra"),
    _bad_signal("attribute text of 513 characters", signal(attributes={"url": "u" * 513}),
                "attributes.url"),
    _bad_signal("attribute name of 65 characters", signal(attributes={"url": "u",
                                                                      "k" * 65: 1}),
                "attributes"),
    _bad_signal("attribute with a control character", signal(attributes={"url": "a\x07b"}),
                "attributes.url"),
    _bad_signal("id already stored, other content", signal(id="{signal}"), "id", 409,
                "id_conflict"),
    _bad_signal("batch of 1,001", {"signals": [signal(id=f"b{n}") for n in range(1001)]},
                "signals", 422, "too_many_signals"),
    _bad_signal("batch not a list", {"signals": {"0": signal()}}, "signals", 422,
                "invalid_request"),
    _bad_signal("batch with a field beside", {"signals": [signal()], "feed": "x"}, "feed",
                422, "invalid_request"),
    _bad_signal("batch with a field beside named with an override",
                {"signals": [signal()], "\u202efeed": "x"}, None, 422, "invalid_request"),
    _bad_signal("lone surrogate in a name", json.dumps(signal(**{
        "id": "sur-1", "subject.name": "NAME"})).replace('"NAME"', '"\\ud800"').encode(),
        None, 400, "malformed_json"),
]

ACTIONS = [
    Bad("confirm the wrong stage", "/v1/cases/{case}/confirm", {"stage": 0}, 409, "conflict",
        who="off_w"),
    Bad("confirm a stage that does not exist", "/v1/cases/{case}/confirm", {"stage": 99}, 409,
        "conflict", who="off_w"),
    Bad("confirm a negative stage", "/v1/cases/{case}/confirm", {"stage": -1}, 422,
        "invalid_request", "stage", who="off_w"),
    Bad("confirm a stage as text", "/v1/cases/{case}/confirm", {"stage": "one"}, 422,
        "invalid_request", "stage", who="off_w"),
    Bad("confirm without a stage", "/v1/cases/{case}/confirm", {}, 422, "invalid_request",
        "stage", who="off_w"),
    Bad("confirm with an extra field", "/v1/cases/{case}/confirm", {"stage": 1, "force": True},
        422, "invalid_request", "force", who="off_w"),
    Bad("confirm malformed JSON", "/v1/cases/{case}/confirm", b'{"stage": 1', 400,
        "malformed_json", who="off_w"),
    Bad("decline the wrong stage", "/v1/cases/{case}/decline", {"stage": 0, "reason": "x"},
        409, "conflict", who="off_w"),
    Bad("decline with a 2,001-character reason", "/v1/cases/{case}/decline",
        {"stage": 1, "reason": "x" * 2001}, 422, "invalid_request", "reason", who="off_w"),
    Bad("decline with a NUL in the reason", "/v1/cases/{case}/decline",
        {"stage": 1, "reason": "a\x00b"}, 422, "invalid_request", "reason", who="off_w"),
    Bad("outcome not an outcome", "/v1/cases/{case}/outcome", {"outcome": "solved"}, 422,
        "invalid_request", "outcome", who="off_w"),
    Bad("outcome warned is the system's", "/v1/cases/{case}/outcome", {"outcome": "warned"},
        422, "invalid_request", "outcome", who="off_w"),
    Bad("outcome as a list", "/v1/cases/{case}/outcome", {"outcome": ["dissuaded"]}, 422,
        "invalid_request", "outcome", who="off_w"),
    Bad("outcome note with an escape sequence", "/v1/cases/{case}/outcome",
        {"outcome": "dissuaded", "note": "\x1b[2J"}, 422, "invalid_request", "note",
        who="off_w"),
    Bad("escalate with a body that is a list", "/v1/cases/{case}/escalate", ["now"], 422,
        "invalid_request", who="off_w"),
    Bad("act on an unknown case", "/v1/cases/nope/escalate", {}, 404, "not_found",
        who="off_w"),
    Bad("act on a case id made of SQL", "/v1/cases/1' OR '1'='1/escalate", {}, 404,
        "not_found", who="off_w"),
    Bad("result not valid for flash SMS", "/v1/deliveries/{flash}/result",
        {"result": "dissuaded"}, 422, "invalid_result", "result", who="off_w"),
    Bad("result not valid for 96110", "/v1/deliveries/{callback}/result",
        {"result": "arrived"}, 422, "invalid_result", "result", who="off_w"),
    Bad("result not a result", "/v1/deliveries/{callback}/result", {"result": "<b>ok</b>"},
        422, "invalid_result", "result", who="off_w"),
    Bad("result empty", "/v1/deliveries/{callback}/result", {"result": ""}, 422,
        "invalid_request", "result", who="off_w"),
    Bad("result missing", "/v1/deliveries/{callback}/result", {"note": "x"}, 422,
        "invalid_request", "result", who="off_w"),
    Bad("result with a lone surrogate in the note", "/v1/deliveries/{callback}/result",
        b'{"result": "hung_up", "note": "\\udc00"}', 422, "invalid_request", "note",
        who="off_w"),
    Bad("result with a NUL", "/v1/deliveries/{callback}/result", {"result": "hung_up\x00"},
        422, "invalid_request", "result", who="off_w"),
    Bad("result on an unknown delivery", "/v1/deliveries/nope/result", {"result": "read"},
        404, "not_found", who="off_w"),
]

READS = [
    Bad("case list with an unknown state", "/v1/cases?state=closed", None, 422,
        "invalid_request", "state", method="GET", who="off_w"),
    Bad("case list with limit 0", "/v1/cases?limit=0", None, 422, "invalid_request", "limit",
        method="GET", who="off_w"),
    Bad("case list with limit 501", "/v1/cases?limit=501", None, 422, "invalid_request",
        "limit", method="GET", who="off_w"),
    Bad("case list with a forged cursor", "/v1/cases?cursor=eyJ4IjogMX0", None, 422,
        "invalid_request", "cursor", method="GET", who="off_w"),
    Bad("case list with an unknown flag", "/v1/cases?flag=urgent", None, 422,
        "invalid_request", "flag", method="GET", who="off_w"),
    Bad("deliveries without a case", "/v1/deliveries", None, 422, "invalid_request",
        "case_id", method="GET", who="off_w"),
    Bad("a signal id of 200 characters", "/v1/signals/" + "x" * 200, None, 404, "not_found",
        method="GET", who="off_w"),
    Bad("a signal path that climbs", "/v1/signals/..%2F..%2Fetc%2Fpasswd", None, 404,
        "not_found", method="GET", who="off_w"),
    Bad("delete a case", "/v1/cases/{case}", None, 405, "method_not_allowed", method="DELETE",
        who="off_w"),
]

CORPUS = SIGNALS + ACTIONS + READS
