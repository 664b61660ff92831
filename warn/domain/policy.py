"""The escalation policy (CONTRACT §4) as frozen values, validated from a parsed mapping.

YAML is read outside the domain; here every problem is reported with the path of the value
(`ladders.medium[1].wait`), which the loader turns into a line number.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal, get_args

from warn.domain.durations import format_duration, parse_duration
from warn.domain.signals import SIGNAL_KINDS

Tier = Literal["low", "medium", "high"]
TIERS: tuple[Tier, ...] = get_args(Tier)
LADDER_CHANNELS = ("flash_sms", "callback_96110", "school_group", "mobile_team")
# Channels a person answers, so that "tried" means somebody reported a result on them.
TRIED_CHANNELS = ("callback_96110", "school_group", "mobile_team")
Path = tuple[str | int, ...]


class PolicyError(ValueError):
    def __init__(self, path: Path, problem: str):
        super().__init__(f"{dotted(path)}: {problem}" if path else problem)
        self.path = path
        self.problem = problem


def dotted(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


@dataclass(frozen=True)
class CallRule:
    score: int
    min_duration_s: int = 0
    ongoing: bool | None = None

    def matches(self, duration_s: int, ongoing: bool) -> bool:
        return duration_s >= self.min_duration_s and self.ongoing in (None, ongoing)


@dataclass(frozen=True)
class StageSpec:
    send: tuple[str, ...]
    wait: timedelta | None = None
    ack: timedelta | None = None
    confirm: timedelta | None = None
    # Channels of earlier stages that must have been tried (have a result) before this stage
    # is entered: a team is not asked for before the 96110 desk has called once.
    after_tried: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    case_window: timedelta
    flash_cooldown: timedelta
    high_threshold: int
    medium_threshold: int
    kind_scores: Mapping[str, int]
    call_rules: tuple[CallRule, ...]
    extra_kind_bonus: int
    ladders: Mapping[Tier, tuple[StageSpec, ...]]

    def tier_for(self, score: int) -> Tier:
        if score >= self.high_threshold:
            return "high"
        return "medium" if score >= self.medium_threshold else "low"


def policy_from_mapping(data: object) -> Policy:
    """Validate a parsed policy document; raise PolicyError naming the first bad value."""
    top = _mapping(data, ())
    _only(top, ("case_window", "flash_cooldown", "tiers", "scores", "ladders"), ())
    tiers = _mapping(_required(top, "tiers", ()), ("tiers",))
    _only(tiers, ("high", "medium"), ("tiers",))
    high = _int(_required(tiers, "high", ("tiers",)), ("tiers", "high"), 0, 100)
    medium = _int(_required(tiers, "medium", ("tiers",)), ("tiers", "medium"), 0, 100)
    if medium >= high:
        raise PolicyError(("tiers", "medium"), "the medium threshold must be below the high one")
    kind_scores, call_rules, bonus = _scores(_required(top, "scores", ()))
    return Policy(
        case_window=_duration(_required(top, "case_window", ()), ("case_window",)),
        flash_cooldown=_duration(_required(top, "flash_cooldown", ()), ("flash_cooldown",)),
        high_threshold=high, medium_threshold=medium, kind_scores=kind_scores,
        call_rules=call_rules, extra_kind_bonus=bonus,
        ladders=_ladders(_required(top, "ladders", ())))


def policy_to_mapping(policy: Policy) -> dict[str, Any]:
    """The document form of a policy: `policy_from_mapping` reads it back unchanged."""
    scores: dict[str, Any] = dict(policy.kind_scores)
    scores["flagged_call"] = [_call_rule_mapping(rule) for rule in policy.call_rules]
    scores["extra_kind_bonus"] = policy.extra_kind_bonus
    return {
        "case_window": format_duration(policy.case_window),
        "flash_cooldown": format_duration(policy.flash_cooldown),
        "tiers": {"high": policy.high_threshold, "medium": policy.medium_threshold},
        "scores": scores,
        "ladders": {tier: [_stage_mapping(stage) for stage in stages]
                    for tier, stages in policy.ladders.items()},
    }


def _call_rule_mapping(rule: CallRule) -> dict[str, Any]:
    row: dict[str, Any] = {"score": rule.score}
    if rule.min_duration_s:
        row["min_duration_s"] = rule.min_duration_s
    if rule.ongoing is not None:
        row["ongoing"] = rule.ongoing
    return row


def _stage_mapping(stage: StageSpec) -> dict[str, Any]:
    row: dict[str, Any] = {"send": list(stage.send)}
    for key in ("wait", "ack", "confirm"):
        value = getattr(stage, key)
        if value is not None:
            row[key] = format_duration(value)
    if stage.after_tried:
        row["after_tried"] = list(stage.after_tried)
    return row


def _scores(data: object) -> tuple[dict[str, int], tuple[CallRule, ...], int]:
    path: Path = ("scores",)
    scores = _mapping(data, path)
    _only(scores, (*SIGNAL_KINDS, "extra_kind_bonus"), path)
    kind_scores = {kind: _int(_required(scores, kind, path), (*path, kind), 0, 100)
                   for kind in SIGNAL_KINDS if kind != "flagged_call"}
    rows = _required(scores, "flagged_call", path)
    if not isinstance(rows, Sequence) or isinstance(rows, str) or not rows:
        raise PolicyError((*path, "flagged_call"), "must be a non-empty list of rows")
    rules = tuple(_call_rule(row, (*path, "flagged_call", i)) for i, row in enumerate(rows))
    bonus = _int(scores.get("extra_kind_bonus", 0), (*path, "extra_kind_bonus"), 0, 100)
    return kind_scores, rules, bonus


def _call_rule(data: object, path: Path) -> CallRule:
    row = _mapping(data, path)
    _only(row, ("score", "min_duration_s", "ongoing"), path)
    ongoing = row.get("ongoing")
    if ongoing is not None and not isinstance(ongoing, bool):
        raise PolicyError((*path, "ongoing"), "must be true or false")
    return CallRule(score=_int(_required(row, "score", path), (*path, "score"), 0, 100),
                    min_duration_s=_int(row.get("min_duration_s", 0),
                                        (*path, "min_duration_s"), 0, 10**7),
                    ongoing=ongoing)


def _ladders(data: object) -> dict[Tier, tuple[StageSpec, ...]]:
    ladders = _mapping(data, ("ladders",))
    _only(ladders, TIERS, ("ladders",))
    result: dict[Tier, tuple[StageSpec, ...]] = {}
    for tier in TIERS:
        path: Path = ("ladders", tier)
        stages = _required(ladders, tier, ("ladders",))
        if not isinstance(stages, Sequence) or isinstance(stages, str) or not stages:
            raise PolicyError(path, "must be a non-empty list of stages")
        result[tier] = tuple(_stage(stage, (*path, i)) for i, stage in enumerate(stages))
        _check_after_tried(result[tier], path)
        for i, stage in enumerate(result[tier][:-1]):
            if stage.wait is None:
                raise PolicyError((*path, i), "only the last stage of a ladder may have no wait")
    return result


def _stage(data: object, path: Path) -> StageSpec:
    stage = _mapping(data, path)
    _only(stage, ("send", "wait", "ack", "confirm", "after_tried"), path)
    send = _required(stage, "send", path)
    if not isinstance(send, Sequence) or isinstance(send, str) or not send:
        raise PolicyError((*path, "send"), "must be a non-empty list of channels")
    for i, channel in enumerate(send):
        if channel not in LADDER_CHANNELS:
            raise PolicyError((*path, "send", i),
                              f"unknown channel '{channel}': use {', '.join(LADDER_CHANNELS)}")
    if len(set(send)) != len(send):
        raise PolicyError((*path, "send"), "names a channel twice")
    durations = {key: _duration(stage[key], (*path, key)) if stage.get(key) is not None else None
                 for key in ("wait", "ack", "confirm")}
    return StageSpec(send=tuple(send), after_tried=_after_tried(stage, path), **durations)


def _after_tried(stage: Mapping[str, Any], path: Path) -> tuple[str, ...]:
    value = stage.get("after_tried")
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence) or not value:
        raise PolicyError((*path, "after_tried"), "must be a channel or a list of channels")
    for i, channel in enumerate(value):
        if channel not in TRIED_CHANNELS:
            raise PolicyError((*path, "after_tried", i), f"'{channel}' reports no attempts: "
                              f"use {', '.join(TRIED_CHANNELS)}")
    return tuple(dict.fromkeys(value))


def _check_after_tried(stages: tuple[StageSpec, ...], path: Path) -> None:
    for i, stage in enumerate(stages):
        earlier = {channel for before in stages[:i] for channel in before.send}
        for channel in stage.after_tried:
            if channel not in earlier:
                raise PolicyError((*path, i, "after_tried"),
                                  f"no earlier stage of this ladder sends {channel}")


def _mapping(data: object, path: Path) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise PolicyError(path, "must be a mapping of keys to values")
    return data


def _required(data: Mapping[str, Any], key: str, path: Path) -> Any:
    if key not in data:
        raise PolicyError(path, f"'{key}' is missing")
    return data[key]


def _only(data: Mapping[str, Any], allowed: Sequence[str], path: Path) -> None:
    for key in data:
        if key not in allowed:
            raise PolicyError((*path, str(key)),
                              f"unknown key '{key}': expected one of {', '.join(allowed)}")


def _int(value: object, path: Path, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PolicyError(path, f"must be a whole number from {low} to {high}")
    return value


def _duration(value: object, path: Path) -> timedelta:
    try:
        duration = parse_duration(value) if isinstance(value, str) else None
    except ValueError as error:
        raise PolicyError(path, str(error)) from None
    if duration is None:
        raise PolicyError(path, f"'{value}' is not a duration: write 90s, 10m or 2h")
    if duration <= timedelta(0):
        raise PolicyError(path, "must be longer than 0s")
    return duration
