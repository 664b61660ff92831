"""Escalation policies for tests: one policy in seconds, and variants of it.

A variant is made by loading the fixture's YAML, changing the mapping and dumping it, never
by editing its text. So it is well-formed by construction, it is validated before it is
handed out, and an edit that names a key, ladder or stage the fixture does not have, or
that leaves a value as it was, raises at once instead of leaving the fixture unchanged.
"""

from dataclasses import replace
from typing import Any

import yaml

from warn.domain.policy import Policy
from warn.policy_file import load_policy, parse_policy

# CONTRACT §4's policy with every wait in seconds, for tests that run real processes.
SECONDS_POLICY = """
case_window: 20s
flash_cooldown: 10s
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
    - {send: [flash_sms, callback_96110], wait: 3s}
    - {send: [school_group], wait: 6s, ack: 3s}
    - {send: [mobile_team], confirm: 3s, wait: 6s}
  high:
    - {send: [flash_sms, callback_96110, school_group], wait: 3s, ack: 2s}
    - {send: [mobile_team], confirm: 2s, wait: 6s}
"""


def contract_policy() -> Policy:
    """CONTRACT §4's policy as it prints it: the built-in one but for its medium team stage,
    which also waits for 96110's first try (`after_tried`). The tests of the contract's
    rules run on this; the tests of `after_tried` on the built-in one."""
    built_in = load_policy()
    medium = tuple(replace(stage, after_tried=()) for stage in built_in.ladders["medium"])
    return replace(built_in, ladders={**built_in.ladders, "medium": medium})


class NoSuchEntry(LookupError):
    """A variant names an entry its base policy does not have."""


class NoChange(ValueError):
    """A variant sets an entry to the value it already has: its test would run on the base
    policy while believing it runs on another."""


def policy_variant(*, base: str = SECONDS_POLICY, **changes: Any) -> str:
    """`base` with top-level entries changed. The mapping entries (tiers, scores, ladders)
    change key by key: `ladders={"medium": [...]}` replaces the medium ladder and keeps the
    others. Every key named must already be in `base`."""
    document = _load(base)
    for key, value in changes.items():
        current = _entry(document, key, "the policy")
        if isinstance(current, dict) and isinstance(value, dict):
            for inner, inner_value in value.items():
                _set(current, inner, inner_value, key, must_exist=True)
        else:
            _set(document, key, value, "the policy", must_exist=True)
    return _dump(document)


def with_stage(tier: str, index: int, *, base: str = SECONDS_POLICY, **changes: Any) -> str:
    """`base` with stage `index` of the `tier` ladder changed: `wait="2s"` sets a key
    (added if the stage has none), `ack=None` removes one the stage has."""
    document = _load(base)
    ladder = _entry(_entry(document, "ladders", "the policy"), tier, "ladders")
    if not 0 <= index < len(ladder):
        raise NoSuchEntry(f"ladders.{tier} has {len(ladder)} stages, not a stage {index}")
    where = f"ladders.{tier}[{index}]"
    stage = ladder[index]
    for key, value in changes.items():
        if value is None:
            _entry(stage, key, where)
            del stage[key]
        else:
            _set(stage, key, value, where, must_exist=False)
    return _dump(document)


def _load(text: str) -> dict[str, Any]:
    document = yaml.safe_load(text)
    if not isinstance(document, dict):
        raise TypeError("a policy is a YAML mapping")
    return document


def _entry(mapping: dict[str, Any], key: str, where: str) -> Any:
    if key not in mapping:
        raise NoSuchEntry(f"{where} has no '{key}' (it has {', '.join(mapping)})")
    return mapping[key]


def _set(mapping: dict[str, Any], key: str, value: Any, where: str, *,
         must_exist: bool) -> None:
    if must_exist:
        _entry(mapping, key, where)
    if mapping.get(key) == value:
        raise NoChange(f"{where}: '{key}' is {value!r} already")
    mapping[key] = value


def _dump(document: dict[str, Any]) -> str:
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    parse_policy(text, "policy variant")  # raises naming the entry that does not validate
    return text
