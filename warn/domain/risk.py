"""Scoring signals and cases into tiers (CONTRACT §4)."""

from collections.abc import Iterable

from warn.domain.policy import Policy, Tier
from warn.domain.signals import Signal


def signal_score(signal: Signal, policy: Policy) -> int:
    if signal.kind != "flagged_call":
        return policy.kind_scores[signal.kind]
    duration = int(signal.attributes.get("duration_s", 0))
    ongoing = bool(signal.attributes.get("ongoing", False))
    for rule in policy.call_rules:
        if rule.matches(duration, ongoing):
            return rule.score
    return 0


def case_score(kind_scores: Iterable[tuple[str, int]], policy: Policy) -> tuple[int, Tier]:
    """Highest signal score plus the bonus per further distinct kind, capped at 100."""
    best: dict[str, int] = {}
    for kind, score in kind_scores:
        best[kind] = max(score, best.get(kind, 0))
    if not best:
        return 0, "low"
    score = min(100, max(best.values()) + policy.extra_kind_bonus * (len(best) - 1))
    return score, policy.tier_for(score)


# Kinds whose victim is acting right now, whatever their score: money is moving.
_URGENT_KINDS = frozenset({"transfer_attempt"})


def is_urgent(signal: Signal, policy: Policy) -> bool:
    """Whether the signal goes on the urgent lane (CONTRACT §6), known before its case is
    decided: a call still going on, a transfer attempt, or a signal that alone reaches the
    high tier. A bulk signal that later lifts a case is handled in turn: the lane only
    decides who waits behind whom."""
    if signal.kind in _URGENT_KINDS or (
            signal.kind == "flagged_call" and signal.attributes.get("ongoing") is True):
        return True
    return policy.tier_for(signal_score(signal, policy)) == "high"
