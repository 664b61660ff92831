"""Validation of incoming signals (CONTRACT §3), table-driven.

`raw_signal()` is a valid flagged_call observed exactly at T0; each case changes one thing.
"""

import copy
from datetime import timedelta
from typing import Any

import pytest
from domain_fakes import DEFAULT_ATTRIBUTES, MSISDN, T0, raw_signal, with_value

from warn.domain.signals import SIGNAL_KINDS, SignalError, signal_from_dict, validate_signal


def without(data: dict[str, Any], dotted: str) -> dict[str, Any]:
    """A deep copy of `data` with the value at `subject.msisdn`-style path removed."""
    data = copy.deepcopy(data)
    *parents, last = dotted.split(".")
    target = data
    for key in parents:
        target = target[key]
    del target[last]
    return data


def rejected(raw: object, now=T0) -> SignalError:
    with pytest.raises(SignalError) as caught:
        validate_signal(raw, now)
    assert caught.value.code == "invalid_signal"
    return caught.value


def minimal(kind: str) -> dict[str, Any]:
    return {"id": f"feed-{kind}", "kind": kind, "observed_at": T0.isoformat(),
            "subject": {"msisdn": MSISDN}, "attributes": dict(DEFAULT_ATTRIBUTES[kind])}


# --- the valid shapes ---------------------------------------------------------------------


def test_the_contract_example_is_valid():
    signal = validate_signal(raw_signal(), T0)
    assert signal.id == "carrier-7-000123"
    assert signal.kind == "flagged_call"
    assert signal.observed_at == T0
    assert signal.subject.msisdn == MSISDN
    assert signal.subject.school == "sanxia-med"
    assert signal.attributes["duration_s"] == 3600
    assert signal.fraud_type == "impersonating_police"


@pytest.mark.parametrize("kind", SIGNAL_KINDS)
def test_each_kind_with_only_its_required_attributes_is_valid(kind: str):
    signal = validate_signal(minimal(kind), T0)
    assert signal.kind == kind
    assert signal.subject.name is None
    assert signal.fraud_type is None


def test_flagged_call_ongoing_defaults_to_false():
    raw = without(raw_signal(), "attributes.ongoing")
    assert validate_signal(raw, T0).attributes["ongoing"] is False


def test_a_stored_signal_reads_back_equal():
    signal = validate_signal(raw_signal(), T0)
    assert signal_from_dict(signal.to_dict()) == signal


def test_extra_attributes_are_kept():
    raw = with_value(raw_signal(), "attributes.bank", "ICBC")
    assert validate_signal(raw, T0).attributes["bank"] == "ICBC"


# --- required fields ----------------------------------------------------------------------


@pytest.mark.parametrize(("path", "field"), [
    ("id", "id"),
    ("kind", "kind"),
    ("observed_at", "observed_at"),
    ("subject", "subject"),
    ("subject.msisdn", "subject.msisdn"),
])
def test_a_missing_required_field_is_refused_naming_it(path: str, field: str):
    assert rejected(without(raw_signal(), path)).field == field


@pytest.mark.parametrize(("kind", "attribute"), [
    (kind, attribute)
    for kind, attributes in {
        "scam_site_visit": ("url",),
        "flagged_call": ("caller", "duration_s"),
        "scam_sms": ("sender",),
        "fraud_app_install": ("app",),
        "transfer_attempt": ("account", "amount_cny"),
    }.items()
    for attribute in attributes
])
@pytest.mark.parametrize("how", ["missing", "null"])
def test_a_missing_required_attribute_is_refused_naming_it(kind: str, attribute: str, how: str):
    raw = minimal(kind)
    if how == "missing":
        del raw["attributes"][attribute]
    else:
        raw["attributes"][attribute] = None
    assert rejected(raw).field == f"attributes.{attribute}"


@pytest.mark.parametrize("kind", SIGNAL_KINDS)
def test_fraud_type_is_optional_on_every_kind(kind: str):
    raw = minimal(kind)
    raw["attributes"]["fraud_type"] = "impersonating_police"
    assert validate_signal(raw, T0).fraud_type == "impersonating_police"


@pytest.mark.parametrize(("raw", "field"), [
    ("a string", None),
    ([raw_signal()], None),
    (raw_signal(kind="phishing"), "kind"),
    (raw_signal(kind=None), "kind"),
    (raw_signal(subject="+8613812345678"), "subject"),
    (raw_signal(attributes=["caller"]), "attributes"),
    (raw_signal(id=""), "id"),
    (raw_signal(id="   "), "id"),
    (raw_signal(id=123), "id"),
    (raw_signal(id="x" * 129), "id"),
])
def test_malformed_shapes_are_refused(raw: object, field: str | None):
    assert rejected(raw).field == field


def test_an_id_of_exactly_128_characters_is_accepted():
    assert validate_signal(raw_signal(id="x" * 128), T0).id == "x" * 128


# --- unknown fields -----------------------------------------------------------------------


@pytest.mark.parametrize(("path", "field"), [
    ("score", "score"),
    ("subject.email", "subject.email"),
    ("subject.msisdn_2", "subject.msisdn_2"),
])
def test_unknown_fields_are_refused_naming_them(path: str, field: str):
    assert rejected(with_value(raw_signal(), path, "x")).field == field


# --- E.164 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("msisdn", [
    "+8613812345678",
    "+85212345678",
    "+1234567",  # 7 digits: the shortest accepted
    "+123456789012345",  # 15 digits: the longest E.164 allows
])
def test_e164_numbers_are_accepted(msisdn: str):
    raw = with_value(raw_signal(), "subject.msisdn", msisdn)
    assert validate_signal(raw, T0).subject.msisdn == msisdn


@pytest.mark.parametrize("msisdn", [
    "13812345678",  # no +
    "008613812345678",
    "+08613812345678",  # country code cannot start with 0
    "+86 138 1234 5678",
    "+86-138-1234-5678",
    "+123456",  # 6 digits
    "+1234567890123456",  # 16 digits
    "+86138abcd5678",
    "",
    8613812345678,
])
def test_numbers_that_are_not_e164_are_refused(msisdn: object):
    raw = with_value(raw_signal(), "subject.msisdn", msisdn)
    assert rejected(raw).field == "subject.msisdn"


# --- observed_at ----------------------------------------------------------------------------


@pytest.mark.parametrize(("observed_at", "valid"), [
    (T0, True),
    (T0 + timedelta(minutes=5), True),  # exactly 5 minutes ahead: on the edge, still valid
    (T0 + timedelta(minutes=5, seconds=1), False),
    (T0 - timedelta(days=7), True),  # exactly 7 days behind: on the edge, still valid
    (T0 - timedelta(days=7, seconds=1), False),
    (T0 + timedelta(days=1), False),
    (T0 - timedelta(days=30), False),
])
def test_observed_at_must_be_within_5_minutes_ahead_and_7_days_behind(observed_at, valid: bool):
    raw = raw_signal(observed_at=observed_at.isoformat())
    if valid:
        assert validate_signal(raw, T0).observed_at == observed_at
    else:
        assert rejected(raw).field == "observed_at"


def test_observed_at_bounds_compare_instants_not_wall_clocks():
    # 18:05+08:00 is exactly T0 + 5 minutes; 18:05:01+08:00 is one second too far.
    assert validate_signal(raw_signal(observed_at="2026-02-23T18:05:00+08:00"), T0)
    assert rejected(raw_signal(observed_at="2026-02-23T18:05:01+08:00")).field == "observed_at"


@pytest.mark.parametrize("observed_at", [
    "2026-02-23T10:00:00Z",
    "2026-02-23T10:00:00+00:00",
    "2026-02-23T18:00:00+08:00",
    "2026-02-23T05:00:00-05:00",
])
def test_observed_at_with_an_offset_is_accepted(observed_at: str):
    assert validate_signal(raw_signal(observed_at=observed_at), T0).observed_at == T0


@pytest.mark.parametrize("observed_at", [
    "2026-02-23T10:00:00",  # no offset
    "2026-02-23",
    "yesterday",
    "",
    1771840800,  # a Unix time is not RFC 3339
    None,
])
def test_observed_at_without_an_offset_or_not_a_time_is_refused(observed_at: object):
    assert rejected(raw_signal(observed_at=observed_at)).field == "observed_at"


# --- typed attributes -----------------------------------------------------------------------


@pytest.mark.parametrize(("attribute", "value", "valid"), [
    ("duration_s", 0, True),
    ("duration_s", 3600, True),
    ("duration_s", True, False),  # bool is not an int here
    ("duration_s", False, False),
    ("duration_s", -1, False),
    ("duration_s", 60.5, False),
    ("duration_s", "60", False),
    ("ongoing", True, True),
    ("ongoing", False, True),
    ("ongoing", 1, False),
    ("ongoing", "true", False),
    ("caller", 85212345678, False),  # text attributes must be strings
    ("fraud_type", 7, False),
    ("fraud_type", "", False),
    ("caller", "x" * 513, False),
])
def test_flagged_call_attribute_types(attribute: str, value: object, valid: bool):
    raw = with_value(raw_signal(), f"attributes.{attribute}", value)
    if valid:
        assert validate_signal(raw, T0).attributes[attribute] == value
    else:
        assert rejected(raw).field == f"attributes.{attribute}"


@pytest.mark.parametrize(("amount", "valid"), [
    (0.01, True),
    (1, True),
    (5000, True),
    (0, False),  # must be > 0
    (0.0, False),
    (-1, False),
    (True, False),  # bool is not a number here
    (float("nan"), False),
    (float("inf"), False),
    ("5000", False),
])
def test_amount_cny_must_be_a_number_greater_than_zero(amount: object, valid: bool):
    raw = minimal("transfer_attempt")
    raw["attributes"]["amount_cny"] = amount
    if valid:
        assert validate_signal(raw, T0).attributes["amount_cny"] == amount
    else:
        assert rejected(raw).field == "attributes.amount_cny"


# --- control characters -------------------------------------------------------------------


@pytest.mark.parametrize("char", ["\x00", "\n", "\r", "\t", "\x1b", "\x7f", "\x85", "\u2028",
                                  "\u2029"])
@pytest.mark.parametrize("path", ["id", "subject.name", "subject.location", "subject.school",
                                  "attributes.caller", "attributes.fraud_type"])
def test_control_characters_are_refused(char: str, path: str):
    raw = with_value(raw_signal(), path, f"abc{char}def")
    assert rejected(raw).field == path


def test_a_control_character_in_an_attribute_name_is_refused():
    raw = with_value(raw_signal(), "attributes.bad\nname", "x")
    assert rejected(raw).field == "attributes"


def test_chinese_text_is_not_a_control_character():
    raw = with_value(raw_signal(), "subject.location", "万州区北滨路工商银行大厅")
    assert validate_signal(raw, T0).subject.location == "万州区北滨路工商银行大厅"


# --- content hash ---------------------------------------------------------------------------


def test_content_hash_is_equal_for_the_same_content():
    first = validate_signal(raw_signal(), T0)
    again = validate_signal(raw_signal(), T0 + timedelta(minutes=1))
    assert first.content_hash() == again.content_hash()


def test_content_hash_ignores_key_order():
    raw = raw_signal()
    reordered = {key: raw[key] for key in reversed(list(raw))}
    reordered["attributes"] = dict(reversed(list(raw["attributes"].items())))
    assert (validate_signal(reordered, T0).content_hash()
            == validate_signal(raw, T0).content_hash())


@pytest.mark.parametrize(("first", "second"), [
    ("2026-02-23T10:00:00Z", "2026-02-23T10:00:00+00:00"),
    ("2026-02-23T10:00:00Z", "2026-02-23T18:00:00+08:00"),
])
def test_content_hash_compares_the_instant_whatever_its_offset(first: str, second: str):
    assert (validate_signal(raw_signal(observed_at=first), T0).content_hash()
            == validate_signal(raw_signal(observed_at=second), T0).content_hash())


def test_content_hash_treats_an_omitted_ongoing_as_false():
    explicit = with_value(raw_signal(), "attributes.ongoing", False)
    omitted = without(raw_signal(), "attributes.ongoing")
    assert (validate_signal(explicit, T0).content_hash()
            == validate_signal(omitted, T0).content_hash())


@pytest.mark.parametrize(("path", "value"), [
    ("kind", "scam_site_visit"),
    ("observed_at", "2026-02-23T18:01:00+08:00"),
    ("subject.name", "王某"),
    ("subject.msisdn", "+8613900000000"),
    ("attributes.duration_s", 3601),
    ("attributes.ongoing", False),
    ("attributes.fraud_type", "fake_loan"),
])
def test_content_hash_differs_for_different_content(path: str, value: object):
    raw = with_value(raw_signal(), path, value)
    if path == "kind":
        raw["attributes"] = {"url": "http://scam.example/login"}
    assert (validate_signal(raw, T0).content_hash()
            != validate_signal(raw_signal(), T0).content_hash())
