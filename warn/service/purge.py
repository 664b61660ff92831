"""`warn purge --older-than DAYS`: forget the people in cases resolved before then (PIPL:
keep personal data no longer than needed), keep the anonymous facts for statistics.

Removed, per purged case: the subject's number, name, student number and location (case
row, stored case, its signals' payloads), the number as a recipient, every message body,
timeline detail, delivery error and audit value that mentions any of them, and all free
text that people wrote about the case (result notes, decline and escalation reasons,
outcome notes). Kept: the case's tier, score, outcome, district, school, flags and times;
its stages; each signal's id, kind, times and other attributes; each delivery's channel,
stage, state, attempts and times; each result, who reported it and when; the timeline's
entry types, actors and times; the audit trail of who did what when. A purged case has an
empty number; running the purge again skips it.
"""

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warn.service.context import Context
from warn.store.models import Audit, CaseRow, Delivery, DeliveryResult, SignalRow, TimelineEntry

GONE = ""  # the number of a purged case, and of its deliveries to the subject
REDACTED = "(purged)"
BATCH = 200
# Timeline entries whose detail carries what a person typed (note_suffix, outcome note).
FREE_TEXT_ENTRIES = frozenset({"result", "declined", "escalated", "resolved"})
FREE_TEXT_KEYS = frozenset({"note", "reason"})
PERSONAL = ("msisdn", "name", "student_no", "location")


@dataclass
class PurgeReport:
    cases: int = 0
    signals: int = 0
    deliveries: int = 0


class Mentions:
    """Does a text mention one of the subject's personal values (the number in any of its
    usual spellings: E.164, national, spaced or dashed)?"""

    def __init__(self, subject: dict[str, Any]) -> None:
        # The last 8 digits are in every spelling of the number (E.164, national, with
        # spaces or dashes): matching on them errs towards removing too much, never too
        # little.
        digits = str(subject.get("msisdn") or "").lstrip("+")
        self.digits = digits[-8:] if len(digits) >= 8 else ""
        self.values = [str(subject[key]) for key in PERSONAL[1:] if subject.get(key)]

    def __call__(self, text: str | None) -> bool:
        if not text:
            return False
        if self.digits and self.digits in re.sub(r"[\s\-()]", "", text):
            return True
        return any(value in text for value in self.values)


def purge_resolved(ctx: Context, older_than: timedelta) -> PurgeReport:
    """Purge every case resolved more than `older_than` ago, a batch per transaction."""
    cutoff = ctx.now() - older_than
    report = PurgeReport()
    while True:
        with ctx.sessions.begin() as session:
            # Locked like any change to a case: a late result on a resolved case cannot
            # write the old, personal stored form back over the purged one.
            rows = list(session.scalars(
                select(CaseRow).where(CaseRow.state == "resolved", CaseRow.resolved_at < cutoff,
                                      CaseRow.msisdn != GONE)
                .order_by(CaseRow.resolved_at, CaseRow.id).limit(BATCH).with_for_update()))
            for row in rows:
                _purge_case(session, row, report)
        if len(rows) < BATCH:
            return report


def _purge_case(session: Session, row: CaseRow, report: PurgeReport) -> None:
    aggregate = dict(row.aggregate)
    subject = dict(aggregate.get("subject") or {"msisdn": row.msisdn})
    mentions = Mentions(subject)
    number = row.msisdn
    aggregate["subject"] = _anonymous(subject)
    aggregate["deliveries"] = [
        {**d, "recipient": GONE if d.get("recipient") == number else d.get("recipient")}
        for d in aggregate.get("deliveries", [])]
    row.aggregate, row.msisdn = aggregate, GONE
    report.cases += 1
    report.signals += _purge_signals(session, row.id, mentions)
    delivery_ids = _purge_deliveries(session, row.id, number, mentions)
    report.deliveries += len(delivery_ids)
    _purge_timeline(session, row.id, mentions)
    _purge_audit(session, [row.id, *delivery_ids], mentions)


def _anonymous(subject: dict[str, Any]) -> dict[str, Any]:
    """What stays of the subject: where (district, school), never who."""
    kept = {key: subject[key] for key in ("district", "school") if subject.get(key)}
    return {"msisdn": GONE, **kept}


def _purge_signals(session: Session, case_id: str, mentions: Mentions) -> int:
    signals = list(session.scalars(select(SignalRow).where(SignalRow.case_id == case_id)))
    for signal in signals:
        payload = dict(signal.payload)
        payload["subject"] = _anonymous(dict(payload.get("subject") or {}))
        payload["attributes"] = {key: value for key, value in
                                 dict(payload.get("attributes") or {}).items()
                                 if not (isinstance(value, str) and mentions(value))}
        # The content hash covered the number: with the rest of the payload known, a
        # phone number's few billion values could be tried against it. It goes too.
        signal.payload, signal.msisdn, signal.content_hash = payload, GONE, "purged"
    return len(signals)


def _purge_deliveries(session: Session, case_id: str, number: str,
                      mentions: Mentions) -> list[str]:
    deliveries = list(session.scalars(select(Delivery).where(Delivery.case_id == case_id)))
    for delivery in deliveries:
        if delivery.recipient == number:
            delivery.recipient = GONE
        if mentions(delivery.body):
            delivery.body = REDACTED
        if mentions(delivery.last_error):
            delivery.last_error = REDACTED
    ids = [delivery.id for delivery in deliveries]
    if ids:
        for result in session.scalars(select(DeliveryResult).where(
                DeliveryResult.delivery_id.in_(ids), DeliveryResult.note.is_not(None))):
            result.note = None  # free text about the person, whatever it mentions
    return ids


def _purge_timeline(session: Session, case_id: str, mentions: Mentions) -> None:
    for entry in session.scalars(select(TimelineEntry).where(TimelineEntry.case_id == case_id)):
        if entry.type in FREE_TEXT_ENTRIES or mentions(entry.detail):
            entry.detail = REDACTED


def _purge_audit(session: Session, targets: list[str], mentions: Mentions) -> None:
    for entry in session.scalars(select(Audit).where(Audit.target.in_(targets))):
        entry.detail = _scrub_detail(entry.detail, mentions)


def _scrub_detail(detail: str, mentions: Mentions) -> str:
    try:
        data = json.loads(detail)
    except ValueError:
        return REDACTED if mentions(detail) else detail
    if not isinstance(data, dict):
        return REDACTED if mentions(detail) else detail
    scrubbed = {key: REDACTED if (key in FREE_TEXT_KEYS and value)
                or (isinstance(value, str) and mentions(value)) else value
                for key, value in data.items()}
    return json.dumps(scrubbed, ensure_ascii=False, sort_keys=True)
