"""Writing decisions of the domain: case rows, deliveries, timeline entries and timers.

A `Writer` collects the writes of many decisions in one transaction and sends them as a
few multi-row statements at `flush`, instead of round trips per case. It writes through
SQLAlchemy Core, not ORM objects: building and tracking an ORM object per row cost more
than the database's own work on a batch of signals or timers.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from warn.decisions.bodies import BodyRenderer
from warn.domain.case import Case, case_to_dict, flags, next_deadline, urgency_deadline
from warn.domain.events import CancelQueued, CloseDispatch, Effect, Note, Send
from warn.domain.policy import Policy
from warn.domain.signals import Signal
from warn.phases import phase
from warn.store.many import add_rows, any_of, update_rows
from warn.store.models import CaseRow, Delivery, Team, TimelineEntry, Timer
from warn.store.policies import keep_policies, policy_id
from warn.vocabulary import decision_failed

CASES = CaseRow.__table__
DELIVERIES = Delivery.__table__
TIMELINE = TimelineEntry.__table__
TIMERS = Timer.__table__

# The columns a decision rewrites; the rest of a case row is fixed when the case opens.
_CHANGING = ("state", "outcome", "tier", "score", "flag_awaiting", "flag_overdue",
             "flag_no_team", "flag_exhausted", "flag_stuck", "flag_unknown_school",
             "flag_unknown_district", "updated_at", "last_signal_at",
             "resolved_at", "school_notified_at", "deadline_at", "aggregate", "policy_id",
             "version")


@dataclass
class CaseRef:
    """What a batch needs of a locked case row: the stored aggregate, and what a write
    must carry on (its version, when the school was first told)."""

    id: str
    msisdn: str
    aggregate: dict[str, Any]
    version: int = 0
    school_notified_at: datetime | None = None
    school: str | None = None
    # the policy snapshot the aggregate leaves out (None: the aggregate carries its own)
    policy: Policy | None = None


@dataclass
class Writer:
    session: Session
    # signals the batch has read, by our key: a message's latest signal is looked up here
    # before it is read again
    signals: dict[str, Signal] = field(default_factory=dict)
    new_deliveries: list[str] = field(default_factory=list)
    # the teams that the batch's decisions sent out, one entry per dispatch
    teams_sent: list[str] = field(default_factory=list)
    # case id -> the deadline its one pending timer must have (None: no timer)
    _timers: dict[str, datetime | None] = field(default_factory=dict)
    _fresh_cases: set[str] = field(default_factory=set)
    _inserted: set[str] = field(default_factory=set)
    # case id -> its row as it must be written (the last decision on it wins)
    _new_cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    _changed_cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    _deliveries: list[dict[str, Any]] = field(default_factory=list)
    _timeline: list[dict[str, Any]] = field(default_factory=list)
    _closed_dispatches: list[str] = field(default_factory=list)
    _policies: dict[str, Policy] = field(default_factory=dict)
    # case id -> deliveries of that case created after it resolved (a page that the ladder
    # ran out, say): those must still go out.
    _cancelled: dict[str, list[str]] = field(default_factory=dict)

    def save(self, row: CaseRef | None, before: Case | None, case: Case,
             effects: list[Effect], now: datetime, *, resync_timer: bool = False) -> CaseRef:
        """Stage one decision; returns the case's reference (new for a new case).

        All or nothing: the bodies are rendered and every row built before anything is
        staged, so a decision that fails here leaves the batch as it was.
        `resync_timer` replaces the case's timer even when the deadline did not move: a
        timer that fired and found nothing due must still leave a pending one behind."""
        fresh = row is None
        if row is None:
            row = CaseRef(id=case.id, msisdn=case.subject.msisdn, aggregate={})
        after, values = _case_values(row, case, now)
        staged = _Staged(self.session, case, now, self.signals)
        for effect in effects:
            staged.take(effect)
        due = next_deadline(case)
        if fresh:
            self._fresh_cases.add(case.id)
        self._stage_case(case, values)
        self._stage_effects(staged)
        if case.id in self._timers or resync_timer or before is None or (
                next_deadline(before) != due):
            self._timers[case.id] = due
        return after

    def _stage_case(self, case: Case, values: dict[str, Any]) -> None:
        self._policies[values["policy_id"]] = case.policy
        if case.id in self._fresh_cases and case.id not in self._inserted:
            subject = case.subject
            self._new_cases[case.id] = {"id": case.id, "msisdn": subject.msisdn,
                                        "district": case.district,
                                        "school": case.school,
                                        "opened_at": case.opened_at, **values}
        else:
            self._changed_cases[case.id] = values

    def _stage_effects(self, staged: "_Staged") -> None:
        case_id = staged.case.id
        for index, values in enumerate(staged.deliveries):
            if index == staged.cancel_before:
                self._cancelled[case_id] = []
            self._deliveries.append(values)
            self.new_deliveries.append(values["id"])
            if values["channel"] == "mobile_team":
                self.teams_sent.append(values["recipient"])
            # Deliveries made after the case resolved (a page that the ladder ran out, say)
            # must still go out: only those made before are cancelled.
            if case_id in self._cancelled:
                self._cancelled[case_id].append(values["id"])
        if staged.cancel_before == len(staged.deliveries):
            self._cancelled[case_id] = []
        self._timeline.extend(staged.timeline)
        self._closed_dispatches.extend(staged.closed)

    def flush(self) -> None:
        """Write what the decisions so far made; the batch may go on deciding after it."""
        execute = self.session.execute
        if self._policies:
            keep_policies(self.session, self._policies.values())
            self._policies.clear()
        # Updates first: a case that closed in this batch must no longer be the number's
        # open case when the batch's new case for that number goes in.
        if self._changed_cases:
            update_rows(self.session, CASES, [{"id": case_id, **values} for case_id, values
                                              in self._changed_cases.items()])
        if self._new_cases:
            add_rows(self.session, CASES, list(self._new_cases.values()))
            self._inserted.update(self._new_cases)
        if self._deliveries:
            add_rows(self.session, DELIVERIES, self._deliveries)
        if self._timeline:
            add_rows(self.session, TIMELINE, self._timeline)
        if self._closed_dispatches:
            execute(update(DELIVERIES).where(any_of(self.session, DELIVERIES.c.id,
                                                    self._closed_dispatches))
                    .values(dispatch_open=False))
        if self._cancelled:
            spared = [i for ids in self._cancelled.values() for i in ids]
            execute(update(DELIVERIES).where(
                any_of(self.session, DELIVERIES.c.case_id, list(self._cancelled)),
                DELIVERIES.c.state == "queued", DELIVERIES.c.id.not_in(spared))
                .values(state="cancelled"))
        self._new_cases.clear()
        self._changed_cases.clear()
        self._deliveries.clear()
        self._timeline.clear()
        self._closed_dispatches.clear()
        self._cancelled.clear()

    def finish(self) -> None:
        """Write everything, then replace the timers of every case whose deadline moved.
        Raises TeamTaken when a team sent out had no room left by then."""
        self.flush()
        if self.teams_sent:
            check_team_room(self.session, self.teams_sent)
        stale = [case_id for case_id in self._timers if case_id not in self._fresh_cases]
        if stale:
            self.session.execute(update(TIMERS).where(any_of(self.session, TIMERS.c.case_id,
                                                             stale),
                                                      TIMERS.c.status == "pending")
                                 .values(status="cancelled"))
        fresh = [{"case_id": case_id, "due_at": due, "status": "pending"}
                 for case_id, due in self._timers.items() if due is not None]
        if fresh:
            add_rows(self.session, TIMERS, fresh)
        self._timers.clear()


def _case_values(row: CaseRef, case: Case, now: datetime) -> tuple[CaseRef, dict[str, Any]]:
    """The case row as the decision leaves it, and the reference the batch goes on with."""
    current = flags(case)
    notified = row.school_notified_at
    if case.school_notified and notified is None:
        notified = now
    after = CaseRef(id=row.id, msisdn=row.msisdn,
                    aggregate=case_to_dict(case, with_policy=False), version=row.version + 1,
                    school_notified_at=notified, school=row.school, policy=case.policy)
    values = {
        "state": case.state, "outcome": case.outcome, "tier": case.tier,
        "score": case.score, "flag_awaiting": "awaiting_confirmation" in current,
        "flag_overdue": "overdue" in current, "flag_no_team": "no_team" in current,
        "flag_exhausted": "exhausted" in current, "flag_stuck": "stuck" in current,
        "flag_unknown_school": "unknown_school" in current,
        "flag_unknown_district": "unknown_district" in current,
        "updated_at": now, "last_signal_at": case.last_signal_at,
        "resolved_at": case.resolved_at, "school_notified_at": notified,
        "deadline_at": urgency_deadline(case),
        "aggregate": after.aggregate, "policy_id": policy_id(case.policy),
        "version": after.version}
    return after, values


@dataclass
class _Staged:
    """The rows of one decision's effects, built before any of them is staged."""

    session: Session
    case: Case
    now: datetime
    signals: dict[str, Signal]
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    # the case resolved: deliveries made before this index are cancelled if still queued
    cancel_before: int | None = None
    renderer: BodyRenderer | None = None

    def take(self, effect: Effect) -> None:
        case = self.case
        if isinstance(effect, Send):
            self.renderer = self.renderer or BodyRenderer(self.session, case, self.signals)
            try:
                with phase("render"):
                    body = self.renderer.body(effect)
            except Exception as error:
                raise DecisionFailed(decision_failed("rendering", error,
                                                     channel=effect.channel)) from error
            self.deliveries.append(_delivery_values(case, effect, body, self.now))
        elif isinstance(effect, Note):
            self.timeline.append({"case_id": case.id, "at": effect.at, "type": effect.type,
                                  "actor": effect.actor, "detail": effect.detail})
        elif isinstance(effect, CloseDispatch):
            self.closed.append(effect.delivery_id)
        elif isinstance(effect, CancelQueued):
            self.cancel_before = len(self.deliveries)


def _delivery_values(case: Case, send: Send, body: str, now: datetime) -> dict[str, Any]:
    return {"id": send.delivery_id, "case_id": case.id, "stage": send.stage,
            "channel": send.channel, "recipient": send.recipient, "body": body,
            "state": "queued", "attempts": 0, "rounds": 0, "created_at": now,
            "sent_at": None, "lease_until": None, "last_error": None,
            "dispatch_open": send.channel == "mobile_team",
            "page_reason": send.reason if send.channel == "duty_page" else None}


class DecisionFailed(Exception):
    """Deciding for one case failed unexpectedly; the message says what failed, with no
    personal data in it, for the case's timeline."""


class TeamTaken(Exception):
    """Another transaction filled a team that this batch's facts showed with room: the
    batch must be decided again on fresh facts."""


def check_team_room(session: Session, teams: list[str]) -> None:
    """Under the teams' row locks (in id order, so two batches never deadlock), no team
    may have more open dispatches, ours flushed included, than its capacity."""
    wanted = sorted(set(teams))
    capacity = dict(session.execute(select(Team.id, Team.capacity).where(Team.id.in_(wanted))
                                    .order_by(Team.id).with_for_update()).all())
    load = session.execute(select(DELIVERIES.c.recipient, func.count()).where(
        DELIVERIES.c.channel == "mobile_team", DELIVERIES.c.dispatch_open.is_(True),
        DELIVERIES.c.recipient.in_(wanted)).group_by(DELIVERIES.c.recipient)).all()
    if any(count > capacity.get(team, 0) for team, count in load):
        raise TeamTaken()
