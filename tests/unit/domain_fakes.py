"""Fakes and builders for the unit tests of the pure domain (`warn.domain`).

Every time in these tests is `T0` plus an explicit offset (`at(m=10)`), so each rule of
CONTRACT §4 can be read off the test with its clock.
"""

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from warn.domain.case import Case, Delivery
from warn.domain.decide import decide, open_case
from warn.domain.events import (
    CloseDispatch,
    Confirm,
    Decline,
    Effect,
    Event,
    Note,
    ResultReported,
    Send,
    SignalArrived,
    Tick,
)
from warn.domain.facts import Facts, TeamPlace
from warn.domain.policy import Policy, policy_from_mapping, policy_to_mapping
from warn.domain.risk import signal_score
from warn.domain.signals import Signal, Subject
from warn.policy_file import load_policy

T0 = datetime(2026, 2, 23, 10, 0, tzinfo=UTC)
BUILT_IN_POLICY = load_policy()
# The policy exactly as CONTRACT §4 prints it: the built-in one, but for its medium team
# stage, which also waits for 96110's first try (tests/unit/test_duty_room_rules.py).
POLICY = replace(BUILT_IN_POLICY, ladders={**BUILT_IN_POLICY.ladders, "medium": tuple(
    replace(stage, after_tried=()) for stage in BUILT_IN_POLICY.ladders["medium"])})

MSISDN = "+8613812345678"
DISTRICT = "wanzhou"
SCHOOL = "sanxia-med"
SCHOOL_WITHOUT_LIAISON = "lonely-school"
LIAISONS = ["liaison-li", "liaison-wang"]
OFFICERS = ["officer-zhang"]  # officers of DISTRICT
DUTY_OFFICERS = ["officer-duty"]  # officers without a district: they see every case
TEAM = "team-w1"

# One signal kind per tier under the built-in policy.
LOW_KIND = "scam_sms"  # 30
MEDIUM_KIND = "scam_site_visit"  # 55
HIGH_KIND = "transfer_attempt"  # 95

DEFAULT_ATTRIBUTES: dict[str, dict[str, Any]] = {
    "scam_site_visit": {"url": "http://scam.example/login"},
    "flagged_call": {"caller": "+85212345678", "duration_s": 60, "ongoing": False},
    "scam_sms": {"sender": "10690000"},
    "fraud_app_install": {"app": "fake-loan"},
    "transfer_attempt": {"account": "6222020200112233", "amount_cny": 5000},
}


def at(h: int = 0, m: int = 0, s: int = 0) -> datetime:
    """`T0` plus an explicit offset: `at(m=10)` is ten minutes after T0."""
    return T0 + timedelta(hours=h, minutes=m, seconds=s)


@dataclass
class FakeDirectory:
    """The world a case lives in, in memory: liaisons per school, officers per district,
    free teams, each number's last flash SMS. `facts()` is what a decision is given;
    `record()` keeps what a decision did, as the service's store would."""

    liaisons_by_school: dict[str, list[str]] = field(
        default_factory=lambda: {SCHOOL: list(LIAISONS), SCHOOL_WITHOUT_LIAISON: []})
    # key None: officers without a district
    officers_by_district: dict[str | None, list[str]] = field(
        default_factory=lambda: {DISTRICT: list(OFFICERS), "yunyang": ["officer-chen"],
                                 None: list(DUTY_OFFICERS)})
    free_teams: dict[str, list[str]] = field(
        default_factory=lambda: {DISTRICT: [TEAM], "yunyang": ["team-y1"]})
    flashes: dict[str, datetime] = field(default_factory=dict)
    taken: list[str] = field(default_factory=list)

    def facts(self) -> Facts:
        """Each free team has one place; a team that was taken and not freed is full."""
        teams = {team: TeamPlace(district, 1)
                 for district, pool in self.free_teams.items() for team in pool}
        busy = {team: 1 for team in self.taken if team not in teams}
        return Facts(liaisons={k: tuple(v) for k, v in self.liaisons_by_school.items()},
                     officers={k: tuple(v) for k, v in self.officers_by_district.items()},
                     teams=teams, team_load=busy, last_flashes=dict(self.flashes))

    def record(self, effects: Sequence[Effect], now: datetime) -> None:
        """What the service carries from one decision to the next: teams taken, flashes."""
        for effect in effects:
            if isinstance(effect, Send) and effect.channel == "mobile_team":
                for pool in self.free_teams.values():
                    if effect.recipient in pool:
                        pool.remove(effect.recipient)
                self.taken.append(effect.recipient)
        self.record_flashes(effects, now)

    # --- test controls --------------------------------------------------------------------

    def no_free_team(self) -> None:
        for pool in self.free_teams.values():
            pool.clear()

    def free(self, team: str = TEAM, district: str = DISTRICT) -> None:
        self.free_teams.setdefault(district, []).append(team)

    def record_flashes(self, effects: Sequence[Effect], now: datetime) -> None:
        """What the service's store would remember: the flash SMS just sent."""
        for effect in effects:
            if isinstance(effect, Send) and effect.channel == "flash_sms":
                self.flashes[effect.recipient] = now


# --- signals ----------------------------------------------------------------------------------


def make_signal(signal_id: str, kind: str, *, msisdn: str = MSISDN,
                school: str | None = SCHOOL, district: str | None = DISTRICT,
                observed_at: datetime = T0, **attributes: Any) -> Signal:
    """A validated-looking Signal with explicit id and kind; attributes override the defaults."""
    subject = Subject(msisdn=msisdn, name="郭某", district=district, school=school,
                      student_no="2023-0412" if school else None)
    return Signal(id=signal_id, kind=kind, observed_at=observed_at,  # type: ignore[arg-type]
                  subject=subject, attributes={**DEFAULT_ATTRIBUTES[kind], **attributes})


def raw_signal(**overrides: Any) -> dict[str, Any]:
    """The JSON form of a valid flagged_call signal (CONTRACT §3), observed at T0."""
    data: dict[str, Any] = {
        "id": "carrier-7-000123",
        "kind": "flagged_call",
        "observed_at": "2026-02-23T18:00:00+08:00",  # == T0
        "subject": {"msisdn": MSISDN, "name": "郭某", "district": DISTRICT, "school": SCHOOL,
                    "student_no": "2023-0412", "location": "万州区北滨路工商银行大厅"},
        "attributes": {"caller": "+85212345678", "duration_s": 3600, "ongoing": True,
                       "fraud_type": "impersonating_police"},
    }
    data.update(overrides)
    return data


def with_value(data: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """A copy of `data` with the value at `dotted` (e.g. "subject.msisdn") replaced."""
    data = copy.deepcopy(data)
    *parents, last = dotted.split(".")
    target = data
    for key in parents:
        target = target[key]
    target[last] = value
    return data


# --- driving a case ---------------------------------------------------------------------------


def arrive(case: Case | None, signal: Signal, now: datetime, directory: FakeDirectory,
           policy: Policy = POLICY, case_id: str = "case-1") -> tuple[Case, list[Effect]]:
    """Feed a signal into a case, opening one first when `case` is None (as the service does)."""
    if case is None:
        case = open_case(case_id, signal, policy, now)
    return step(case, SignalArrived(signal, signal_score(signal, case.policy)), now, directory)


def tick(case: Case, now: datetime, directory: FakeDirectory) -> tuple[Case, list[Effect]]:
    return step(case, Tick(), now, directory)


def report(case: Case, delivery: Delivery | str, result: str, now: datetime,
           directory: FakeDirectory, actor: str = "officer-zhang") -> tuple[Case, list[Effect]]:
    delivery_id = delivery if isinstance(delivery, str) else delivery.id
    return step(case, ResultReported(delivery_id, result, actor), now, directory)


def confirm(case: Case, stage: int, now: datetime,
            directory: FakeDirectory) -> tuple[Case, list[Effect]]:
    return step(case, Confirm(stage, "officer-zhang"), now, directory)


def decline(case: Case, stage: int, now: datetime,
            directory: FakeDirectory) -> tuple[Case, list[Effect]]:
    return step(case, Decline(stage, "officer-zhang", "not needed"), now, directory)


def step(case: Case, event: Event, now: datetime,
         directory: FakeDirectory) -> tuple[Case, list[Effect]]:
    """Decide on the world's facts as they are now, then let the world keep what the
    decision took (its teams)."""
    after, effects = decide(case, event, now, directory.facts())
    directory.record(effects, now)
    return after, effects


# --- reading a case and its effects -------------------------------------------------------


def sends(effects: Sequence[Effect], channel: str | None = None) -> list[Send]:
    return [e for e in effects
            if isinstance(e, Send) and (channel is None or e.channel == channel)]


def notes(effects: Sequence[Effect], type_: str | None = None) -> list[Note]:
    return [e for e in effects if isinstance(e, Note) and (type_ is None or e.type == type_)]


def closed(effects: Sequence[Effect]) -> list[str]:
    return [e.delivery_id for e in effects if isinstance(e, CloseDispatch)]


def deliveries(case: Case, channel: str, stage: int | None = None) -> list[Delivery]:
    return [d for d in case.deliveries
            if d.channel == channel and (stage is None or d.stage == stage)]


def only(case: Case, channel: str, stage: int | None = None) -> Delivery:
    """The one delivery of a channel (in a stage); fails the test if there is not exactly one."""
    found = deliveries(case, channel, stage)
    assert len(found) == 1, f"expected one {channel} delivery, found {found}"
    return found[0]


def states(case: Case) -> list[str]:
    return [stage.state for stage in case.stages]


def policy_with(**changes: Any) -> Policy:
    """The built-in policy with some top-level entries of its document form replaced."""
    document = policy_to_mapping(POLICY)
    document.update(changes)
    return policy_from_mapping(document)
