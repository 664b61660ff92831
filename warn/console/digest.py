"""A case in a few words for lists (queue, school and team pages): who, what happened, where
the ladder stands and its next deadline. Parsing a case's aggregate costs far more than the
query, and the queue is polled every second: digests are cached by (case id, version),
which changes with every write to the case."""

import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warn import vocabulary as labels
from warn.console.formats import iso, signal_facts
from warn.domain.case import Case, Stage, flags
from warn.service.desk import owners_of
from warn.store.models import CaseRow, District, School, SignalRow
from warn.store.policies import stored_case
from warn.vocabulary import kind_label

Digest = dict[str, Any]
_CACHE_SIZE = 4096


class _Cache:
    def __init__(self) -> None:
        self._items: OrderedDict[tuple[str, int], Digest] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int]) -> Digest | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[str, int], value: Digest) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > _CACHE_SIZE:
                self._items.popitem(last=False)


_cache = _Cache()


def digests(session: Session, keys: Iterable[tuple[str, int]]) -> dict[str, Digest]:
    """The digest of each (case id, version), parsing only the cases not cached yet."""
    wanted = list(keys)
    found = {case_id: d for case_id, version in wanted
             if (d := _cache.get((case_id, version))) is not None}
    missing = [case_id for case_id, _ in wanted if case_id not in found]
    if missing:
        rows = list(session.scalars(select(CaseRow).where(CaseRow.id.in_(missing))))
        cases = [stored_case(session, row.aggregate, row.policy_id) for row in rows]
        latest = _latest_signals(session, cases)
        schools = _school_names(session, {c.subject.school for c in cases if c.subject.school})
        districts = district_names(session, {c.district for c in cases if c.district})
        # Taking, releasing or handing a case on bumps its version: cached with the rest.
        owners = owners_of(session, [row.id for row in rows])
        for row, case in zip(rows, cases, strict=True):
            made = digest(case, latest.get(case.id), schools, districts)
            made["owner"] = owners.get(row.id)
            _cache.put((row.id, row.version), made)
            found[row.id] = made
    return found


def digest(case: Case, latest: SignalRow | None, schools: dict[str, str],
           districts: dict[str, str] | None = None) -> Digest:
    subject = case.subject
    attributes = dict((latest.payload or {}).get("attributes") or {}) if latest else {}
    stage = case.current_stage()
    return {
        "id": case.id, "tier": case.tier, "score": case.score, "state": case.state,
        "outcome": case.outcome, "flags": flags(case), "msisdn": subject.msisdn,
        "name": subject.name, "school": schools.get(subject.school or "", subject.school),
        "student_no": subject.student_no, "location": subject.location,
        # The registered name (万州区), never the id a feed sent; an unregistered district
        # is shown as sent, the case being flagged unknown_district.
        "district": (districts or {}).get(case.district or "", subject.district),
        "kinds": [kind_label(kind) for kind in case.kind_scores],
        "latest_kind": latest.kind if latest else None,
        "latest_at": iso(latest.observed_at) if latest else "",
        "facts": signal_facts(attributes), "ongoing_call": bool(attributes.get("ongoing")),
        "opened_at": iso(case.opened_at), "resolved_at": iso(case.resolved_at),
        "stage": stage_words(case, stage), "deadline": deadline_of(case, stage),
    }


def stage_words(case: Case, stage: Stage | None) -> dict[str, Any] | None:
    if stage is None:
        return None
    ladder = case.policy.ladders[stage.tier]
    return {"index": stage.index, "step": stage.position + 1, "steps": len(ladder),
            "channels": [labels.label(labels.CHANNELS, c) for c in stage.spec.send],
            "state": stage.state, "state_label": _state_words(case, stage),
            "waiting_team": stage.waiting_team, "waiting_tried": stage.waiting_tried}


def _state_words(case: Case, stage: Stage) -> str:
    if case.state == "open" and stage.index == case.current and case.ladder != "running":
        return labels.LADDER_STANDING[case.ladder]
    return labels.label(labels.STAGE_STATES, stage.state)


def deadline_of(case: Case, stage: Stage | None) -> dict[str, Any] | None:
    """What the clock will do next to this case, and when (None: nothing by itself)."""
    if case.state == "resolved":
        return None
    if case.ladder == "ended":
        return _deadline("closes", case.last_signal_at + case.policy.case_window)
    if stage is None:
        return None
    if stage.state == "awaiting_confirmation" and stage.confirm_due is not None:
        # Overdue keeps counting: the page shows how long past the deadline it is.
        return _deadline("confirm", stage.confirm_due, urgent=True)
    due = stage.deadline()
    if due is None:
        return None
    if stage.ack_due is not None and due == stage.ack_due:
        return _deadline("ack", due)
    # The last stage's wait ends the ladder (an officer must then close the case); any
    # other stage's moves the case on by itself.
    last = stage.position + 1 >= len(case.policy.ladders[stage.tier])
    return _deadline("last_stage" if last else "next_stage", due)


def _deadline(what: str, at: datetime, urgent: bool = False) -> dict[str, Any]:
    return {"label": labels.DEADLINES[what], "what": what, "at": iso(at), "urgent": urgent}


# How far back a digest looks for the signal that leads its case.
_LEADING_WITHIN = 50


def _latest_signals(session: Session, cases: list[Case]) -> dict[str, SignalRow]:
    """The signal each case is shown by: the latest of its highest-scoring kind among its
    last few signals, else its latest. A scam SMS after a 45-minute call that is still
    going on must not hide the call from the 96110 operator and the team."""
    wanted = {signal_id: case for case in cases for signal_id in
              case.signal_ids[-_LEADING_WITHIN:]}
    if not wanted:
        return {}
    by_case: dict[str, list[SignalRow]] = {}
    for row in session.scalars(select(SignalRow).where(SignalRow.id.in_(list(wanted)))):
        by_case.setdefault(wanted[row.id].id, []).append(row)
    found: dict[str, SignalRow] = {}
    for case in cases:
        leading = leading_signal(case, by_case.get(case.id, []))
        if leading is not None:
            found[case.id] = leading
    return found


def leading_signal(case: Case, rows: list[SignalRow]) -> SignalRow | None:
    """Of these signals of the case, the latest of its highest-scoring kind (else the
    latest): what the case is about."""
    if not rows:
        return None
    order = {signal_id: i for i, signal_id in enumerate(case.signal_ids)}
    ordered = sorted(rows, key=lambda row: order.get(row.id, -1))
    top = max(case.kind_scores.items(), key=lambda item: item[1])[0] if case.kind_scores \
        else None
    return ([row for row in ordered if row.kind == top] or ordered)[-1]


def district_names(session: Session, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.execute(select(District.id, District.name).where(District.id.in_(list(ids))))
    return {district_id: name for district_id, name in rows}


def _school_names(session: Session, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.execute(select(School.id, School.name).where(School.id.in_(list(ids))))
    return {school_id: name for school_id, name in rows}
