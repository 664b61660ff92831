"""Scoring signals and cases into tiers with the built-in policy (CONTRACT §4)."""

from dataclasses import replace

import pytest
from domain_fakes import POLICY, make_signal, policy_with

from warn.domain.policy import policy_to_mapping
from warn.domain.risk import case_score, is_urgent, signal_score

SCORES = policy_to_mapping(POLICY)["scores"]


@pytest.mark.parametrize(("kind", "score"), [
    ("scam_site_visit", 55),
    ("scam_sms", 30),
    ("fraud_app_install", 60),
    ("transfer_attempt", 95),
])
def test_score_per_kind(kind: str, score: int):
    assert signal_score(make_signal("s1", kind), POLICY) == score


@pytest.mark.parametrize(("duration_s", "ongoing", "score", "row"), [
    (3600, False, 90, "min_duration_s 1800"),
    (1800, False, 90, "min_duration_s 1800, exactly"),
    (1800, True, 90, "first match wins over the ongoing row"),
    (1799, True, 85, "ongoing, min_duration_s 600"),
    (600, True, 85, "ongoing, min_duration_s 600, exactly"),
    (600, False, 60, "not ongoing: falls through to min_duration_s 300"),
    (1799, False, 60, "not ongoing: falls through to min_duration_s 300"),
    (599, True, 60, "ongoing but too short: min_duration_s 300"),
    (300, False, 60, "min_duration_s 300, exactly"),
    (299, True, 40, "the catch-all row"),
    (0, False, 40, "the catch-all row"),
])
def test_flagged_call_first_matching_row_wins(duration_s: int, ongoing: bool, score: int,
                                              row: str):
    signal = make_signal("s1", "flagged_call", duration_s=duration_s, ongoing=ongoing)
    assert signal_score(signal, POLICY) == score, row


def test_flagged_call_without_ongoing_counts_as_not_ongoing():
    signal = replace(make_signal("s1", "flagged_call"),
                     attributes={"caller": "+85212345678", "duration_s": 700})
    assert signal_score(signal, POLICY) == 60


def test_flagged_call_matching_no_row_scores_zero():
    policy = policy_with(scores={**SCORES, "flagged_call": [
        {"min_duration_s": 1800, "score": 90}]})
    assert signal_score(make_signal("s1", "flagged_call", duration_s=60), policy) == 0


@pytest.mark.parametrize(("kind_scores", "score", "tier"), [
    ([], 0, "low"),
    ([("scam_sms", 30)], 30, "low"),
    ([("flagged_call", 40)], 40, "low"),
    ([("scam_site_visit", 55)], 55, "medium"),
    ([("transfer_attempt", 95)], 95, "high"),
    # extra_kind_bonus: +10 per further distinct kind
    ([("scam_sms", 30), ("flagged_call", 40)], 50, "medium"),  # == medium threshold
    ([("scam_site_visit", 55), ("scam_sms", 30)], 65, "medium"),
    ([("fraud_app_install", 60), ("scam_sms", 30), ("scam_site_visit", 55)], 80, "high"),  # ==
    ([("scam_sms", 30), ("scam_sms", 30), ("scam_sms", 30)], 30, "low"),  # same kind: no bonus
    ([("flagged_call", 40), ("flagged_call", 85)], 85, "high"),  # the best of a kind counts
    ([("flagged_call", 85), ("flagged_call", 40)], 85, "high"),
    # capped at 100
    ([("transfer_attempt", 95), ("scam_sms", 30)], 100, "high"),
    ([("transfer_attempt", 95), ("scam_sms", 30), ("scam_site_visit", 55),
      ("fraud_app_install", 60), ("flagged_call", 90)], 100, "high"),
])
def test_case_score_is_the_best_signal_plus_bonus_per_further_kind(kind_scores, score, tier):
    assert case_score(kind_scores, POLICY) == (score, tier)


@pytest.mark.parametrize(("score", "tier"), [
    (0, "low"),
    (49, "low"),
    (50, "medium"),  # a score equal to a threshold reaches that tier
    (79, "medium"),
    (80, "high"),
    (100, "high"),
])
def test_threshold_equality_reaches_the_tier(score: int, tier: str):
    assert POLICY.tier_for(score) == tier


def test_bonus_follows_the_policy():
    policy = policy_with(scores={**SCORES, "extra_kind_bonus": 25})
    assert case_score([("scam_sms", 30), ("flagged_call", 40)], policy) == (65, "medium")


URGENCY = [
    # (kind, attributes, urgent) under the built-in policy
    ("flagged_call", {"duration_s": 30, "ongoing": True}, True),  # on the line now
    ("flagged_call", {"duration_s": 30, "ongoing": False}, False),
    ("flagged_call", {"duration_s": 1800, "ongoing": False}, True),  # 90: high alone
    ("flagged_call", {"duration_s": 1799, "ongoing": False}, False),  # 60: medium
    ("transfer_attempt", {}, True),
    ("scam_sms", {}, False),
    ("scam_site_visit", {}, False),
    ("fraud_app_install", {}, False),
]


@pytest.mark.parametrize(("kind", "attributes", "urgent"), URGENCY)
def test_the_lane_of_a_signal_is_known_from_the_signal_alone(
        kind: str, attributes: dict[str, object], urgent: bool) -> None:
    assert is_urgent(make_signal("s1", kind, **attributes), POLICY) is urgent


def test_a_policy_that_scores_a_kind_high_makes_it_urgent() -> None:
    scores = {**policy_to_mapping(POLICY)["scores"], "scam_sms": 80}
    assert is_urgent(make_signal("s1", "scam_sms"), policy_with(scores=scores))
