"""Bounds on numbers and the characters no text may hold (CONTRACT §3), table-driven: each
value at its bound and just past it, each forbidden character in each kind of field.

Self-contained (no domain_fakes): a valid signal is built here, observed exactly at `NOW`.
"""

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from domain_fakes import with_value

from warn.api.signal_doc import PLAIN
from warn.domain.signals import (
    MAX_AMOUNT_CNY,
    MAX_DURATION_S,
    MAX_NUMBER,
    SignalError,
    is_plain,
    parse_json,
    validate_signal,
)

NOW = datetime(2026, 2, 23, 10, 0, tzinfo=UTC)
INF, NAN = float("inf"), float("nan")
HUGE = 10**400  # beyond any float: math on it as a float raises OverflowError


def call(**attributes: Any) -> dict[str, Any]:
    """A valid flagged_call with every subject field, `attributes` added to its own."""
    return {"id": "carrier-7-000123", "kind": "flagged_call",
            "observed_at": "2026-02-23T18:00:00+08:00",
            "subject": {"msisdn": "+8613812345678", "name": "郭某", "district": "wanzhou",
                        "school": "sanxia-med", "student_no": "2023-0412",
                        "location": "万州区北滨路工商银行大厅"},
            "attributes": {"caller": "+85212345678", "duration_s": 3600, "ongoing": True,
                           "fraud_type": "impersonating_police", **attributes}}


def transfer(amount: object) -> dict[str, Any]:
    raw = call()
    raw["kind"] = "transfer_attempt"
    raw["attributes"] = {"account": "6222020200112233", "amount_cny": amount}
    return raw


def refused(raw: object) -> SignalError:
    with pytest.raises(SignalError) as caught:
        validate_signal(raw, NOW)
    assert caught.value.code == "invalid_signal"
    return caught.value


def test_the_bounds_are_the_contracts():
    assert (MAX_DURATION_S, MAX_AMOUNT_CNY, MAX_NUMBER) == (604_800, 10**12, 10**15)


# --- flagged_call duration_s: an integer, 0 to 604,800 --------------------------------------


@pytest.mark.parametrize(("value", "valid"), [
    (0, True),
    (1, True),
    (604_800, True),  # a week: the bound itself
    (604_801, False),
    (-1, False),
    (10**15, False),
    (HUGE, False),
    (-HUGE, False),
    (True, False),  # a boolean is not an integer
    (False, False),
    (3600.0, False),  # a float, even a whole one
    (INF, False),
    (NAN, False),
    ("3600", False),
])
def test_duration_s_is_an_integer_from_0_to_604800(value: object, valid: bool):
    raw = call(duration_s=value)
    if valid:
        assert validate_signal(raw, NOW).attributes["duration_s"] == value
    else:
        assert refused(raw).field == "attributes.duration_s"


@pytest.mark.parametrize(("value", "valid"), [
    (True, True), (False, True), (None, False), (0, False), (1, False), ("false", False),
])
def test_ongoing_is_a_boolean(value: object, valid: bool):
    raw = call(ongoing=value)
    if valid:
        assert validate_signal(raw, NOW).attributes["ongoing"] is value
    else:
        assert refused(raw).field == "attributes.ongoing"


def test_ongoing_defaults_to_false():
    raw = call()
    del raw["attributes"]["ongoing"]
    assert validate_signal(raw, NOW).attributes["ongoing"] is False


# --- transfer_attempt amount_cny: > 0 and at most 10^12 -------------------------------------


@pytest.mark.parametrize(("value", "valid"), [
    (10**12, True),  # the bound itself
    (1e12, True),
    (10**12 + 1, False),
    (1e12 + 0.5, False),
    (0.01, True),
    (5e-324, True),  # the smallest positive float is still more than 0
    (0, False),
    (0.0, False),
    (-0.0, False),
    (-1, False),
    (10**15, False),
    (HUGE, False),
    (-HUGE, False),
    (True, False),  # a boolean is not a number
    (INF, False),
    (-INF, False),
    (NAN, False),
    ("60000", False),
])
def test_amount_cny_is_more_than_0_and_at_most_10_to_the_12(value: object, valid: bool):
    raw = transfer(value)
    if valid:
        assert validate_signal(raw, NOW).attributes["amount_cny"] == value
    else:
        assert refused(raw).field == "attributes.amount_cny"


# --- every other number: finite and within ±10^15 -------------------------------------------


@pytest.mark.parametrize(("value", "valid"), [
    (10**15, True),
    (-(10**15), True),
    (1e15, True),
    (-1e15, True),
    (0, True),
    (-0.5, True),
    (10**15 + 1, False),
    (-(10**15) - 1, False),
    (1e15 + 0.125, False),  # the next float after 10^15
    (-1e15 - 0.125, False),
    (1e308, False),
    (HUGE, False),
    (-HUGE, False),
    (INF, False),
    (-INF, False),
    (NAN, False),
])
def test_extra_attribute_numbers_are_finite_and_within_10_to_the_15(value: object,
                                                                       valid: bool):
    raw = call(risk_score=value)
    if valid:
        assert validate_signal(raw, NOW).attributes["risk_score"] == value
    else:
        assert refused(raw).field == "attributes.risk_score"


def test_booleans_and_null_are_still_extra_attributes():
    attributes = validate_signal(call(vip=True, note=None), NOW).attributes
    assert attributes["vip"] is True and attributes["note"] is None


# --- characters no text holds ---------------------------------------------------------------

CONTROLS = ["\x00", "\x07", "\t", "\n", "\r", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9f",
            "\u2028", "\u2029"]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
        "\u2069"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\u2061", "\u2062",
             "\u2063", "\u2064", "\ufeff"]
FORBIDDEN = CONTROLS + BIDI + INVISIBLE
TEXT_FIELDS = ["id", "subject.msisdn", "subject.name", "subject.district", "subject.school",
               "subject.student_no", "subject.location", "attributes.caller",
               "attributes.fraud_type", "attributes.bank"]


def _name(char: str) -> str:
    return f"U+{ord(char):04X}"


@pytest.mark.parametrize("char", FORBIDDEN, ids=_name)
@pytest.mark.parametrize("path", TEXT_FIELDS)
def test_each_forbidden_character_is_refused_in_each_text_naming_the_field(char: str,
                                                                           path: str):
    raw = with_value(call(bank="ICBC"), path, f"+861381{char}2345678")
    error = refused(raw)
    assert error.field == path
    assert char not in error.message


@pytest.mark.parametrize("char", FORBIDDEN, ids=_name)
@pytest.mark.parametrize("where", ["start", "end", "alone"])
def test_a_forbidden_character_is_refused_wherever_it_stands(char: str, where: str):
    name = {"start": f"{char}郭某", "end": f"郭某{char}", "alone": char}[where]
    assert refused(with_value(call(), "subject.name", name)).field == "subject.name"


@pytest.mark.parametrize("char", FORBIDDEN, ids=_name)
def test_a_forbidden_character_in_observed_at_is_refused_and_not_echoed(char: str):
    error = refused(call() | {"observed_at": f"2026-02-23T18:00:00{char}+08:00"})
    assert error.field == "observed_at"
    assert char not in error.message


@pytest.mark.parametrize("char", FORBIDDEN, ids=_name)
def test_a_forbidden_character_in_an_attribute_name_is_refused(char: str):
    error = refused(call(**{f"bank{char}": "ICBC"}))
    assert error.field == "attributes"  # a path with the name in it would carry it on
    assert char not in error.message


@pytest.mark.parametrize("char", FORBIDDEN, ids=_name)
@pytest.mark.parametrize(("where", "field"), [("", None), ("subject", "subject")])
def test_a_forbidden_character_in_an_unknown_field_name_is_not_echoed(char: str, where: str,
                                                                      field: str | None):
    raw = call()
    (raw[where] if where else raw)[f"evil{char}"] = "x"
    error = refused(raw)
    assert error.field == field
    assert char not in error.message


def test_a_lone_surrogate_is_refused():
    assert refused(with_value(call(), "subject.name", "郭\ud800某")).field == "subject.name"


@pytest.mark.parametrize("text", [
    "万州区北滨路工商银行大厅",
    "O'Brien-Smith",
    "a\u00a0b",  # no-break space
    "a\u200ab",  # hair space: the character before U+200B
    "a\u2010b",  # hyphen: the one after U+200F
    "a\u202fb",  # narrow no-break space: the one after U+202E
    "a\u3000b",  # ideographic space
    "😀",
])
def test_text_beside_the_forbidden_ranges_is_kept(text: str):
    assert validate_signal(with_value(call(), "subject.name", text), NOW).subject.name == text


@pytest.mark.parametrize("char", FORBIDDEN, ids=_name)
def test_the_published_schema_refuses_what_validation_refuses(char: str):
    assert not is_plain(f"a{char}b")
    assert not re.match(PLAIN, f"a{char}b")
    assert re.match(PLAIN, "万州 O'Brien")


# --- JSON as a feed sends it ----------------------------------------------------------------


def _document(value_literal: str, key: str = "duration_s") -> str:
    return json.dumps(call()).replace(f'"{key}": 3600', f'"{key}": {value_literal}')


@pytest.mark.parametrize("literal", [
    "1" + "0" * 400,  # 10**400
    "-" + "9" * 400,
    "1" + "0" * 5000,  # past Python's 4,300-digit limit on int(): a ValueError, not JSON's
    "-" + "1" * 5000,
    "1" + "0" * 900_000,
    "1e400",  # a float: inf
    "-1e400",
    "1" + "0" * 5000 + ".5",
])
def test_a_number_past_every_bound_parses_for_validation_to_refuse(literal: str):
    data = parse_json(_document(literal))
    assert refused(data).field == "attributes.duration_s"


@pytest.mark.parametrize(("literal", "value"), [
    ("604800", 604_800),
    ("1000000000000000", 10**15),  # 16 digits, the most an in-range integer has: exact
    ("-1000000000000000", -(10**15)),
    ("9999999999999999", 9_999_999_999_999_999),
    ("1.5", 1.5),
    ("1e15", 1e15),
    ("1e-400", 0.0),
])
def test_numbers_within_reach_parse_exactly(literal: str, value: object):
    assert parse_json(f"[{literal}]") == [value]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(literal: str):
    with pytest.raises(ValueError, match="not JSON"):
        parse_json(_document(literal))


def test_an_out_of_range_integer_keeps_its_sign():
    assert parse_json("[" + "1" * 5000 + ", -" + "1" * 5000 + "]") == [
        MAX_NUMBER + 1, -(MAX_NUMBER + 1)]
