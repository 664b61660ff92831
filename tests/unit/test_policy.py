"""The escalation policy file (CONTRACT §4): parsing, durations, errors naming line and path."""

from dataclasses import replace
from datetime import timedelta

import pytest
import yaml

from tests.policies import policy_variant
from warn.domain.durations import format_duration, parse_duration
from warn.domain.policy import (
    CallRule,
    PolicyError,
    StageSpec,
    policy_from_mapping,
    policy_to_mapping,
)
from warn.policy_file import PolicyFileError, load_policy, parse_policy

# The policy of CONTRACT §4; the error tests below rely on its line numbers.
CONTRACT_POLICY = """\
case_window: 2h
flash_cooldown: 10m
tiers: {high: 80, medium: 50}
scores:
  scam_site_visit: 55
  scam_sms: 30
  fraud_app_install: 60
  transfer_attempt: 95
  flagged_call:
    - {min_duration_s: 1800, score: 90}
    - {ongoing: true, min_duration_s: 600, score: 85}
    - {min_duration_s: 300, score: 60}
    - {score: 40}
  extra_kind_bonus: 10
ladders:
  low:
    - {send: [flash_sms]}
  medium:
    - {send: [flash_sms, callback_96110], wait: 10m}
    - {send: [school_group], wait: 30m, ack: 5m}
    - {send: [mobile_team], confirm: 5m, wait: 30m}
  high:
    - {send: [flash_sms, callback_96110, school_group], wait: 5m, ack: 2m}
    - {send: [mobile_team], confirm: 2m, wait: 20m}
"""
# line 1: case_window, 3: tiers, 14: extra_kind_bonus, 19-21: medium stages, 23-24: high stages


def edited(old: str, new: str) -> str:
    assert old in CONTRACT_POLICY, old
    return CONTRACT_POLICY.replace(old, new, 1)


def refused(text: str) -> str:
    with pytest.raises(PolicyFileError) as caught:
        parse_policy(text, "my-policy.yaml")
    return str(caught.value)


# --- durations ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [
    ("90s", timedelta(seconds=90)),
    ("10m", timedelta(minutes=10)),
    ("2h", timedelta(hours=2)),
    ("0s", timedelta(0)),
    (" 5m ", timedelta(minutes=5)),
])
def test_durations_parse(text: str, value: timedelta):
    assert parse_duration(text) == value


@pytest.mark.parametrize("text", ["10", "10 m", "1.5h", "-5m", "10min", "2d", "m", "", "1h30m"])
def test_bad_durations_are_refused_naming_the_accepted_forms(text: str):
    with pytest.raises(ValueError, match="90s, 10m, 2h"):
        parse_duration(text)


@pytest.mark.parametrize(("value", "text"), [
    (timedelta(seconds=90), "90s"),
    (timedelta(minutes=10), "10m"),
    (timedelta(hours=2), "2h"),
    (timedelta(minutes=120), "2h"),
    (timedelta(seconds=3660), "61m"),
])
def test_durations_format_back_in_the_shortest_exact_spelling(value: timedelta, text: str):
    assert format_duration(value) == text
    assert parse_duration(text) == value


# --- the default and the contract's policy --------------------------------------------------


def test_the_contract_policy_parses_to_its_values():
    policy = parse_policy(CONTRACT_POLICY)
    assert policy.case_window == timedelta(hours=2)
    assert policy.flash_cooldown == timedelta(minutes=10)
    assert (policy.high_threshold, policy.medium_threshold) == (80, 50)
    assert policy.kind_scores == {"scam_site_visit": 55, "scam_sms": 30,
                                  "fraud_app_install": 60, "transfer_attempt": 95}
    assert policy.call_rules == (CallRule(score=90, min_duration_s=1800),
                                 CallRule(score=85, min_duration_s=600, ongoing=True),
                                 CallRule(score=60, min_duration_s=300),
                                 CallRule(score=40))
    assert policy.extra_kind_bonus == 10
    assert policy.ladders["low"] == (StageSpec(send=("flash_sms",)),)
    assert policy.ladders["medium"] == (
        StageSpec(send=("flash_sms", "callback_96110"), wait=timedelta(minutes=10)),
        StageSpec(send=("school_group",), wait=timedelta(minutes=30), ack=timedelta(minutes=5)),
        StageSpec(send=("mobile_team",), wait=timedelta(minutes=30),
                  confirm=timedelta(minutes=5)),
    )
    assert policy.ladders["high"] == (
        StageSpec(send=("flash_sms", "callback_96110", "school_group"),
                  wait=timedelta(minutes=5), ack=timedelta(minutes=2)),
        StageSpec(send=("mobile_team",), wait=timedelta(minutes=20),
                  confirm=timedelta(minutes=2)),
    )


def test_the_built_in_policy_is_the_contract_policy_with_the_team_after_96110_has_called():
    built_in, contract = load_policy(), parse_policy(CONTRACT_POLICY)
    medium = list(contract.ladders["medium"])
    medium[2] = replace(medium[2], after_tried=("callback_96110",))
    assert built_in == replace(contract, ladders={**contract.ladders, "medium": tuple(medium)})


def test_load_policy_reads_a_file(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(policy_variant(case_window="90s"), encoding="utf-8")
    assert load_policy(path).case_window == timedelta(seconds=90)


def test_a_missing_file_is_refused_naming_it(tmp_path):
    with pytest.raises(PolicyFileError, match=r"nowhere\.yaml"):
        load_policy(tmp_path / "nowhere.yaml")


def test_policy_to_mapping_round_trips():
    policy = parse_policy(CONTRACT_POLICY)
    document = policy_to_mapping(policy)
    assert policy_from_mapping(document) == policy
    # ... also through YAML text, as a case's snapshot could be written
    assert parse_policy(yaml.safe_dump(document, allow_unicode=True)) == policy


def test_policy_to_mapping_round_trips_a_custom_policy():
    text = policy_variant(case_window="45m", ladders={"low": [
        {"send": ["flash_sms", "callback_96110"], "wait": "90s"}, {"send": ["school_group"]}]})
    policy = parse_policy(text)
    assert policy.case_window == timedelta(minutes=45)
    assert policy_from_mapping(policy_to_mapping(policy)) == policy


# --- errors name the file, the line and the path --------------------------------------------


@pytest.mark.parametrize(("old", "new", "line", "path"), [
    # unknown keys
    ("case_window: 2h", "case_window: 2h\ncolour: red", 2, "colour"),
    ("  extra_kind_bonus: 10", "  extra_kind_bonus: 10\n  phishing: 20", 15, "scores.phishing"),
    ("{send: [flash_sms]}", "{send: [flash_sms], retry: 3}", 17, "ladders.low[0].retry"),
    # bad durations
    ("case_window: 2h", "case_window: 2 hours", 1, "case_window"),
    ("{send: [school_group], wait: 30m", "{send: [school_group], wait: 30", 20,
     "ladders.medium[1].wait"),
    ("ack: 2m", "ack: 2d", 23, "ladders.high[0].ack"),
    ("case_window: 2h", "case_window: 0s", 1, "case_window"),
    # unknown channel
    ("{send: [mobile_team], confirm: 2m", "{send: [carrier_pigeon], confirm: 2m", 24,
     "ladders.high[1].send[0]"),
    ("[flash_sms, callback_96110], wait: 10m", "[flash_sms, wechat], wait: 10m", 19,
     "ladders.medium[0].send[1]"),
    # thresholds
    ("tiers: {high: 80, medium: 50}", "tiers: {high: 80, medium: 80}", 3, "tiers.medium"),
    ("tiers: {high: 80, medium: 50}", "tiers: {high: 50, medium: 80}", 3, "tiers.medium"),
    ("tiers: {high: 80, medium: 50}", "tiers: {high: 180, medium: 50}", 3, "tiers.high"),
    # only the last stage of a ladder may have no wait
    ("{send: [flash_sms, callback_96110], wait: 10m}", "{send: [flash_sms, callback_96110]}",
     19, "ladders.medium[0]"),
    ("{send: [flash_sms, callback_96110, school_group], wait: 5m, ack: 2m}",
     "{send: [flash_sms, callback_96110, school_group], ack: 2m}", 23, "ladders.high[0]"),
    # other shapes
    ("  scam_sms: 30", "  scam_sms: thirty", 6, "scores.scam_sms"),
    ("  scam_sms: 30", "  scam_sms: true", 6, "scores.scam_sms"),
    ("{ongoing: true, min_duration_s: 600", "{ongoing: yes please, min_duration_s: 600", 11,
     "scores.flagged_call[1].ongoing"),
    ("{send: [flash_sms]}", "{send: []}", 17, "ladders.low[0].send"),
    ("{send: [flash_sms]}", "{send: [flash_sms, flash_sms]}", 17, "ladders.low[0].send"),
])
def test_a_bad_value_is_refused_naming_the_line_and_the_path(old: str, new: str, line: int,
                                                             path: str):
    message = refused(edited(old, new))
    assert message.startswith(f"my-policy.yaml line {line}: {path}: "), message


@pytest.mark.parametrize(("old", "line", "missing"), [
    ("flash_cooldown: 10m\n", 1, "'flash_cooldown' is missing"),
    ("  transfer_attempt: 95\n", 5, "'transfer_attempt' is missing"),
])
def test_a_missing_key_is_refused_naming_it(old: str, line: int, missing: str):
    message = refused(edited(old, ""))
    assert f"line {line}" in message and missing in message, message


@pytest.mark.parametrize(("text", "line"), [
    ("case_window: 2h\ntiers: {high: 80\n", 3),
    ("case_window: 2h\n  flash_cooldown: 10m\n", 2),
    ("case_window: 2h\nscores:\n\t- 1\n", 3),
])
def test_yaml_that_does_not_parse_is_refused_naming_the_line(text: str, line: int):
    message = refused(text)
    assert message.startswith(f"my-policy.yaml line {line}: not valid YAML"), message


@pytest.mark.parametrize("text", ["", "- a list\n", "just text\n"])
def test_a_document_that_is_not_a_mapping_is_refused(text: str):
    assert "must be a mapping" in refused(text)


def test_policy_error_carries_the_path():
    document = policy_to_mapping(parse_policy(CONTRACT_POLICY))
    document["ladders"]["medium"][2]["confirm"] = "soon"
    with pytest.raises(PolicyError) as caught:
        policy_from_mapping(document)
    assert caught.value.path == ("ladders", "medium", 2, "confirm")
    assert str(caught.value).startswith("ladders.medium[2].confirm: ")
