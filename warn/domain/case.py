"""The case aggregate: its stages and deliveries, the flags and the next deadline derived
from them, and its serialized form. The transitions live in `decide.py`."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar

from warn.domain.policy import Policy, StageSpec, Tier, policy_from_mapping, policy_to_mapping
from warn.domain.signals import Subject

StageState = Literal["pending", "awaiting_confirmation", "active", "succeeded", "failed",
                     "skipped", "declined", "cancelled", "passed"]
LadderState = Literal["running", "ended", "exhausted"]
OPEN_STAGE_STATES = ("pending", "awaiting_confirmation", "active")

CHANNEL_RESULTS: dict[str, tuple[str, ...]] = {
    "flash_sms": ("delivered", "read", "failed"),
    "callback_96110": ("dissuaded", "not_believed", "hung_up", "no_answer"),
    "school_group": ("acknowledged", "dissuaded", "not_found"),
    "mobile_team": ("acknowledged", "arrived", "dissuaded", "not_found"),
    "duty_page": ("acknowledged",),
}
NEGATIVE_RESULTS = frozenset({"failed", "not_believed", "hung_up", "no_answer", "not_found"})
ACK_RESULTS = frozenset({"acknowledged", "arrived"})
# Channels on which somebody can still talk the person out of it.
DECISIVE_CHANNELS = frozenset({"callback_96110", "school_group", "mobile_team"})
ACK_CHANNELS = frozenset({"school_group", "mobile_team"})
OFFICER_OUTCOMES = ("dissuaded", "false_positive", "victimized", "duplicate")


@dataclass
class Stage:
    index: int
    tier: Tier
    position: int  # where the stage stands in its tier's ladder
    spec: StageSpec
    state: StageState = "pending"
    after_upgrade: bool = False
    reached_at: datetime | None = None
    started_at: datetime | None = None
    confirm_due: datetime | None = None
    wait_due: datetime | None = None
    ack_due: datetime | None = None
    overdue: bool = False
    waiting_team: bool = False
    # held until a channel of an earlier stage has been tried (StageSpec.after_tried)
    waiting_tried: bool = False

    def deadline(self) -> datetime | None:
        """The earliest deadline still pending for this stage."""
        if self.state == "awaiting_confirmation":
            return None if self.overdue else self.confirm_due
        if self.state != "active":
            return None
        pending = [d for d in (self.wait_due, self.ack_due) if d is not None]
        return min(pending) if pending else None


@dataclass
class Delivery:
    id: str
    stage: int
    channel: str
    recipient: str
    send_failed: bool = False
    results: list[str] = field(default_factory=list)
    dispatch_open: bool = False

    def is_negative(self) -> bool:
        return self.send_failed or any(r in NEGATIVE_RESULTS for r in self.results)


@dataclass
class Case:
    id: str
    subject: Subject
    policy: Policy
    opened_at: datetime
    last_signal_at: datetime
    tier: Tier = "low"
    score: int = 0
    state: Literal["open", "resolved"] = "open"
    outcome: str | None = None
    resolved_at: datetime | None = None
    kind_scores: dict[str, int] = field(default_factory=dict)
    signal_ids: list[str] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)
    current: int | None = None
    ladder: LadderState = "running"
    deliveries: list[Delivery] = field(default_factory=list)
    last_flash_at: datetime | None = None
    school_notified: bool = False
    sequence: int = 0
    # What failed when deciding for this case failed again and again (no personal data):
    # the ladder stands still until an officer records an outcome.
    stuck: str | None = None
    # What of its first signal's subject is not registered ("unknown_school",
    # "unknown_district"): the case is flagged, never refused (CONTRACT §3).
    unknown: list[str] = field(default_factory=list)

    @property
    def district(self) -> str | None:
        """The district whose officers and teams the case is for: None (every district's)
        when the subject's district is not registered."""
        return None if "unknown_district" in self.unknown else self.subject.district

    @property
    def school(self) -> str | None:
        """The subject's school, when it is registered."""
        return None if "unknown_school" in self.unknown else self.subject.school

    def current_stage(self) -> Stage | None:
        return self.stages[self.current] if self.current is not None else None

    def delivery(self, delivery_id: str) -> Delivery | None:
        return next((d for d in self.deliveries if d.id == delivery_id), None)

    def stage_deliveries(self, index: int) -> list[Delivery]:
        return [d for d in self.deliveries if d.stage == index and d.channel != "duty_page"]

    def next_delivery_id(self) -> str:
        self.sequence += 1
        return f"{self.id}-{self.sequence}"


def flags(case: Case) -> list[str]:
    """What needs an officer now (open cases only), then what is not registered about its
    subject (a fact of the case, kept once it is resolved)."""
    places: list[str] = [place for place in ("unknown_school", "unknown_district")
              if place in case.unknown]
    if case.state == "resolved":
        return places
    stage = case.current_stage()
    result = []
    if stage is not None and stage.state == "awaiting_confirmation":
        result.append("awaiting_confirmation")
        if stage.overdue:
            result.append("overdue")
    if stage is not None and stage.waiting_team:
        result.append("no_team")
    if case.ladder == "exhausted":
        result.append("exhausted")
    if case.stuck is not None:
        result.append("stuck")
    return result + places


def next_deadline(case: Case) -> datetime | None:
    """When the case must next be looked at by the clock, if ever."""
    if case.state == "resolved" or case.stuck is not None:
        return None
    stage = case.current_stage()
    candidates = [stage.deadline()] if stage is not None else []
    if case.ladder == "ended":
        candidates.append(case.last_signal_at + case.policy.case_window)
    due = [c for c in candidates if c is not None]
    return min(due) if due else None


def urgency_deadline(case: Case) -> datetime | None:
    """The deadline by which a duty room orders its work (CONTRACT §3 `sort=urgency`): the
    next deadline, and for a confirmation the time it was due even once it is overdue — a
    missed deadline is the nearest of all."""
    stage = case.current_stage()
    if case.state == "open" and stage is not None and stage.state == "awaiting_confirmation":
        return stage.confirm_due
    return next_deadline(case)


def copy_case(case: Case) -> Case:
    """A copy that shares nothing mutable with `case` (the policy, the subject and every
    datetime are immutable). Many times faster than `copy.deepcopy`, which decides each
    field's copying at run time, or `dataclasses.replace`, which runs `__init__`."""
    copied = _clone(case)
    copied.kind_scores = dict(case.kind_scores)
    copied.signal_ids = list(case.signal_ids)
    copied.unknown = list(case.unknown)
    copied.stages = [_clone(stage) for stage in case.stages]
    copied.deliveries = [_clone(d) for d in case.deliveries]
    for delivery in copied.deliveries:
        delivery.results = list(delivery.results)
    return copied


_Copied = TypeVar("_Copied", Case, Stage, Delivery)


def _clone(value: _Copied) -> _Copied:
    """A shallow copy of a plain dataclass instance: the same field values, a new object."""
    copied = object.__new__(type(value))
    copied.__dict__.update(value.__dict__)
    return copied


# --- serialized form ----------------------------------------------------------------------

_STAGE_TIMES = ("reached_at", "started_at", "confirm_due", "wait_due", "ack_due")
_CASE_TIMES = ("opened_at", "last_signal_at", "resolved_at", "last_flash_at")


def case_to_dict(case: Case, *, with_policy: bool = True) -> dict[str, Any]:
    """The case as plain data. `with_policy` False leaves its policy snapshot out, for a
    store that keeps each distinct policy once (`policy_document`) and gives it back to
    `case_from_dict`: the snapshot is most of a new case's size, and nearly every case
    shares it."""
    data: dict[str, Any] = {k: v for k, v in vars(case).items()
                            if k not in ("subject", "policy", "stages", "deliveries")}
    for key in _CASE_TIMES:
        data[key] = _time_out(getattr(case, key))
    data["subject"] = case.subject.to_dict()
    if with_policy:
        data["policy"] = policy_document(case.policy)
    data["stages"] = [_stage_to_dict(stage) for stage in case.stages]
    data["deliveries"] = [dict(vars(d), results=list(d.results)) for d in case.deliveries]
    return data


def case_from_dict(data: dict[str, Any], policy: Policy | None = None) -> Case:
    """The case from `case_to_dict`; `policy` is its snapshot when the data leaves it out
    (a snapshot in the data wins: it is the case's own)."""
    if "policy" in data:
        policy = policy_from_document(data["policy"])
    elif policy is None:
        raise ValueError("the case's policy snapshot is neither in its data nor given")
    values = {k: v for k, v in data.items() if k not in ("subject", "policy", "stages",
                                                          "deliveries")}
    for key in _CASE_TIMES:
        values[key] = _time_in(values.get(key))
    values.setdefault("stuck", None)  # aggregates written before cases could be stuck
    values["unknown"] = list(values.get("unknown", ()))
    return Case(subject=Subject(**data["subject"]), policy=policy,
                stages=[_stage_from_dict(s, policy) for s in data["stages"]],
                deliveries=[Delivery(**d) for d in data["deliveries"]],
                kind_scores=dict(values.pop("kind_scores")),
                signal_ids=list(values.pop("signal_ids")), **values)


_POLICIES_KEPT = 32
_DOCUMENTS: dict[int, tuple[Policy, dict[str, Any]]] = {}


def policy_document(policy: Policy) -> dict[str, Any]:
    """`policy_to_mapping`, once per policy object (a batch's cases share one). Callers
    serialise the mapping and never change it."""
    kept = _DOCUMENTS.get(id(policy))
    if kept is None or kept[0] is not policy:
        if len(_DOCUMENTS) >= _POLICIES_KEPT:
            _DOCUMENTS.clear()
        kept = _DOCUMENTS[id(policy)] = (policy, policy_to_mapping(policy))
    return kept[1]


_POLICIES: dict[str, Policy] = {}


def policy_from_document(mapping: dict[str, Any]) -> Policy:
    """Every case carries its policy snapshot, and nearly all carry the same one: parse each
    distinct snapshot once. Its repr is a fraction of the cost of validating it again."""
    key = repr(mapping)
    policy = _POLICIES.get(key)
    if policy is None:
        policy = policy_from_mapping(mapping)
        if len(_POLICIES) >= _POLICIES_KEPT:
            _POLICIES.clear()
        _POLICIES[key] = policy
    return policy


def _stage_to_dict(stage: Stage) -> dict[str, Any]:
    data = {k: v for k, v in vars(stage).items() if k != "spec"}
    for key in _STAGE_TIMES:
        data[key] = _time_out(getattr(stage, key))
    return data


def _stage_from_dict(data: dict[str, Any], policy: Policy) -> Stage:
    values = dict(data)
    for key in _STAGE_TIMES:
        values[key] = _time_in(values.get(key))
    return Stage(spec=policy.ladders[values["tier"]][values["position"]], **values)


def _time_out(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _time_in(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None
