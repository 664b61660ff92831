"""The tests' policy variants (tests/policies.py): an edit that would leave the fixture as it
was must raise, or a test would run on the fixture believing it runs on the variant."""

from datetime import timedelta

import pytest

from tests.policies import SECONDS_POLICY, NoChange, NoSuchEntry, policy_variant, with_stage
from warn.policy_file import PolicyFileError, parse_policy

BASE = parse_policy(SECONDS_POLICY)


def test_with_stage_changes_that_stage_and_nothing_else():
    policy = parse_policy(with_stage("medium", 0, wait="2s"))
    assert policy.ladders["medium"][0].wait == timedelta(seconds=2)
    assert policy.ladders["medium"][1:] == BASE.ladders["medium"][1:]
    assert (policy.ladders["low"], policy.ladders["high"]) == (BASE.ladders["low"],
                                                               BASE.ladders["high"])
    assert policy.case_window == BASE.case_window


def test_edits_chain_through_base():
    policy = parse_policy(with_stage("high", 0, ack=None,
                                     base=with_stage("medium", 2, confirm="2s")))
    assert policy.ladders["high"][0].ack is None
    assert policy.ladders["medium"][2].confirm == timedelta(seconds=2)


def test_policy_variant_changes_one_ladder_and_keeps_the_others():
    policy = parse_policy(policy_variant(case_window="1h",
                                         ladders={"low": [{"send": ["callback_96110"]}]}))
    assert policy.case_window == timedelta(hours=1)
    assert [s.send for s in policy.ladders["low"]] == [("callback_96110",)]
    assert policy.ladders["medium"] == BASE.ladders["medium"]


@pytest.mark.parametrize("edit", [
    lambda: with_stage("medium", 3, wait="1s"),
    lambda: with_stage("urgent", 0, wait="1s"),
    lambda: with_stage("medium", 0, ack=None),  # it has no ack to remove
    lambda: policy_variant(colour="red"),
    lambda: policy_variant(ladders={"urgent": [{"send": ["flash_sms"]}]}),
    lambda: policy_variant(tiers={"critical": 95}),
], ids=["no such stage", "no such tier", "no such key", "no such entry", "no such ladder",
        "no such tier threshold"])
def test_an_edit_of_an_entry_that_is_not_there_raises(edit):
    with pytest.raises(NoSuchEntry):
        edit()


@pytest.mark.parametrize("edit", [
    lambda: with_stage("medium", 0, wait="3s"),
    lambda: policy_variant(case_window="20s"),
    lambda: policy_variant(tiers={"high": 80}),
], ids=["stage", "top level", "inside a mapping"])
def test_an_edit_that_changes_nothing_raises(edit):
    with pytest.raises(NoChange):
        edit()


def test_a_variant_that_does_not_validate_raises_naming_the_entry():
    with pytest.raises(PolicyFileError, match=r"ladders\.medium\[0\]\.retry"):
        with_stage("medium", 0, retry=3)
