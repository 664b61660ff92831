"""`warn purge --older-than DAYS`: forget the people in cases resolved before then (PIPL:
keep personal data no longer than needed), keep the anonymous facts for statistics.

Removed, per purged case: the subject's number, name, student number and location (case
row, stored case, its signals' payloads), the number as a recipient, every message body,
timeline detail, delivery error and signal attribute that mentions any of them, and all
free text that people wrote about the case (result notes, decline and escalation reasons,
outcome notes, the duty room's case notes). A signal id that mentions the subject is
replaced: the feed's id by `purged-<random>`, our own key (signals stored before ids were
per feed kept the feed's id as key) by a random one, in the signal, its case's list of
signals and its timeline. In the whole audit trail, not only the rows about the case,
every actor, target or detail value that mentions a purged subject becomes `(purged)`.

In every other case, what mentions a purged subject becomes `(purged)` too: a result note;
a case note; an entry of the shift log (which belongs to no case);
the note at the end of a result, decline, escalation or outcome entry of the timeline (the
entry's first part, what happened, is kept), any other timeline entry whole; the body of
a message sent, a delivery's error. Not what the case's own subject shares with a purged
one: a later case of the same number keeps its person's values, a namesake's case the
name; those cases still need them (their audit rows do not: see above). A message of
another case still waiting to be sent is sent as written: the cases it mentions are left
for the next run, and the report says so. The stored cases hold no free text (a delivery
keeps its results, not their notes). Not searched there: signals, their ids and
attributes as the feeds sent them.

Kept: the case's tier, score, outcome, district, school, flags and times; its stages; each
signal's kind, times and other attributes; each delivery's channel, stage, state, attempts
and times; each result, who reported it and when; the timeline's entry types, actors and
times; the audit trail of who did what when. A purged case has an empty number; running
the purge again skips it.

"Mentions" means: in the text as `warn.textview` normalises it (NFKC, so full-width digits
and brackets are ASCII; other scripts' digits made ASCII; invisible characters dropped),
as it is or with numerals read as digits (`as_digits`: 一三八, 壹叁捌, 幺, 两, and l, I, o, O),
a run of digits joined by at most 8 characters that are neither letters nor digits
(spaces, line breaks, punctuation of any script, accents and keycaps) holds the whole
national number, or its last 8 digits (all of a shorter one) as written ones stand: they
end a group of digits and start one or lie in one, not straddling two numbers run
together. A run that touches a Latin letter, being part of an identifier such as a hex
case id, must hold the whole national number (8 digits turn up in hex by chance, 11 do
not). Or, compared case-blind, without spaces and with numerals read as digits, the text
holds the name, student number or location. Not recognised: a number with letters or
words between its digits or more than 8 other characters, a number said with place
values (一百三十八...), or its last digits alone inside an identifier; outside the case's
own rows, a one-character name (it would match nearly every row).

On the files, after the rows are changed:
- SQLite: the purge writes with `secure_delete`, so what it overwrites or frees is zeroed
  in the database file; then the write-ahead log is checkpointed and truncated to zero
  bytes, waiting a bounded time for readers (a running server's) to let go. When it cannot,
  the report says so, and the old row images stay in `warn.db-wal` until a later
  checkpoint overwrites them. Free space left by writes made without `secure_delete`
  (before it was on for every connection) can still hold old values: `vacuum=True`
  rewrites the whole file, holding the write lock throughout (signals wait), so it is for
  a maintenance window.
- PostgreSQL: the purge waits a bounded time for every snapshot older than it to end (a
  snapshot still open keeps VACUUM from removing the row versions it may see; the report
  says when one outlasted the wait; a role without pg_read_all_stats sees only its own
  sessions), then vacuums the touched tables (autocommit), so that no old version of a
  purged row is left as a tuple. Plain VACUUM does not zero the space it frees: the bytes
  stay in the data files until overwritten. `vacuum=True` runs VACUUM FULL, which writes
  the tables into new files (the old ones are deleted) but locks each one against every
  read and write while it runs; a lock not had within 5 s is reported, not waited for.
- Never within reach of the purge, and the operator's to expire: PostgreSQL WAL segments,
  archived WAL, replicas, backups and copies of either database; the filesystem's and the
  disk's own copies of freed blocks; log files.
"""

import contextlib
import json
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from warn.access.masking import national_number
from warn.service.context import Context
from warn.store.db import is_sqlite
from warn.store.models import (
    Audit,
    CaseNote,
    CaseRow,
    Delivery,
    DeliveryResult,
    ShiftEntry,
    SignalRow,
    TimelineEntry,
)
from warn.textview import as_digits, normalised

GONE = ""  # the number of a purged case, and of its deliveries to the subject
REDACTED = "(purged)"
BATCH = 200  # cases per transaction
ROUND = 2000  # cases whose subjects are looked for in one pass over the audit trail
SCAN = 2000  # audit rows read at a time
# Timeline entries whose detail carries what a person typed (note_suffix, outcome note).
FREE_TEXT_ENTRIES = frozenset({"result", "declined", "escalated", "resolved"})
FREE_TEXT_KEYS = frozenset({"note", "reason"})
NOTE_MARK = " — "  # what such an entry puts between what happened and what was typed
PERSONAL = ("msisdn", "name", "student_no", "location")
TOUCHED = ("cases", "signals", "deliveries", "delivery_results", "timeline", "audit",
           "case_notes", "shift_log")
# How long the purge waits for readers to let go of the old rows (SQLite's WAL, PostgreSQL's
# older snapshots). A checkpoint that waits for readers holds the write lock meanwhile:
# short tries with pauses between them keep the signals that arrive meanwhile waiting a
# fraction of a second.
WAIT_S = 30.0
CHECKPOINT_TRY_MS = 200
PAUSE_S = 0.2
PG_LOCK_TIMEOUT = "5s"


@dataclass
class PurgeReport:
    cases: int = 0
    signals: int = 0
    deliveries: int = 0
    audit: int = 0  # audit rows changed: they mentioned a purged subject or held free text
    # Rows of cases not purged (timeline entries, result notes, deliveries) changed because
    # they mentioned a purged subject.
    elsewhere: int = 0
    # Cases left for the next run: a message of another case that mentions their subject
    # is still waiting to be sent.
    deferred: int = 0
    # What the purge could not make sure of on disk; empty when everything was.
    warnings: list[str] = field(default_factory=list)


# --- what mentions a subject -----------------------------------------------------------

# Between two digits of one number: at most 8 characters that are neither letters nor
# digits. People group digits with any punctuation at hand ("138、1234、5678", "138•1234",
# "(138) 1234-5678"), put accents or keycaps on each digit, or break the line and indent;
# 8 covers those, while a letter or a word between the digits still ends the number.
_DIGIT_RUN = r"[0-9](?:[\W_]{{0,8}}[0-9]){{{},}}"
_KEY_DIGITS = 8
_GROUP = re.compile(r"[0-9]+")


def _compact(value: str) -> str:
    return _compared(normalised(value))


def _compared(normal: str) -> str:
    """A normalised value, or text to look for it in, as compared: case-blind, without
    spaces, numerals read as digits on both sides (a student number written "二〇二三-〇四一二"
    is found, and whatever was found before still is)."""
    return as_digits("".join(normal.casefold().split()))


def _trie(values: set[str]) -> dict[str, Any]:
    trie: dict[str, Any] = {}
    for value in values:
        node = trie
        for char in value:
            node = node.setdefault(char, {})
        node[""] = {}
    return trie


def _any_of(trie: dict[str, Any]) -> re.Pattern[str] | None:
    """One pattern finding any value of `trie`: `re` then looks at each position once, not
    once per value (a round of the purge looks for thousands)."""

    def pattern(node: dict[str, Any]) -> str:
        if "" in node:
            return ""  # a whole value: no need to read on
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items())]
        return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"

    return re.compile(pattern(trie)) if trie else None


@dataclass(frozen=True)
class Own:
    """What a case's own subject shares with the subjects looked for (`Mentions.own`): in
    that case's text it stands for its own subject, not for them."""

    keys: frozenset[str] = frozenset()
    nationals: frozenset[str] = frozenset()
    values: frozenset[str] = frozenset()


class Mentions:
    """Does a text mention one of these subjects' personal values: the number in any
    spelling, the name, student number or location? Errs towards too much, never too
    little (see the module's docstring for what it does not see)."""

    def __init__(self, *subjects: dict[str, Any], shortest: int = 1) -> None:
        self.keys: set[str] = set()  # the last 8 digits of each national number
        self.nationals: set[str] = set()
        self.values: set[str] = set()  # name, student number, location as compared
        for subject in subjects:
            national = national_number(str(subject.get("msisdn") or ""))
            if national:
                self.keys.add(national[-_KEY_DIGITS:])
                self.nationals.add(national)
            for name in PERSONAL[1:]:
                value = _compact(str(subject.get(name) or ""))
                if len(value) >= max(1, shortest):
                    self.values.add(value)
        self._key_sizes = sorted({len(key) for key in self.keys})
        self._national_sizes = sorted({len(national) for national in self.nationals})
        # Only runs of as many digits as the shortest key: the rest are skipped by `re`.
        self._runs = re.compile(_DIGIT_RUN.format(self._key_sizes[0] - 1)
                                ) if self.keys else None
        self._trie = _trie(self.values)
        self._values = _any_of(self._trie)

    def __bool__(self) -> bool:
        return bool(self.keys or self._values)

    def own(self, subject: dict[str, Any]) -> Own | None:
        """What `subject` shares with the subjects looked for; None when nothing."""
        national = national_number(str(subject.get("msisdn") or ""))
        own = Own(
            keys=frozenset({national[-_KEY_DIGITS:]} & self.keys if national else ()),
            nationals=frozenset({national} & self.nationals),
            values=frozenset({_compact(str(subject.get(name) or ""))
                              for name in PERSONAL[1:]} & self.values))
        return own if own.keys or own.nationals or own.values else None

    def __call__(self, value: str | None, besides: Own | None = None) -> bool:
        """Does `value` mention a subject, `besides` not counting?"""
        if not value:
            return False
        normal = normalised(value)
        if self._runs is not None:
            # Both views: in the one with numerals read, the "l" of "tel 12345678" is a
            # digit touching a letter, and the number would pass for part of an identifier.
            read = as_digits(normal)
            if self._has_number(self._runs, normal, besides) or (
                    read != normal and self._has_number(self._runs, read, besides)):
                return True
        if self._values is None:
            return False
        compared = _compared(normal)
        if besides is None or not besides.values:
            return self._values.search(compared) is not None
        at = 0
        while (match := self._values.search(compared, at)) is not None:
            if any(found not in besides.values
                   for found in self._starting(compared, match.start())):
                return True
            at = match.start() + 1
        return False

    def _starting(self, text: str, at: int) -> Iterator[str]:
        """Every value that `text` holds from `at` on (the pattern finds only one)."""
        node = self._trie
        for end in range(at, len(text) + 1):
            if "" in node:
                yield text[at:end]
            if end == len(text) or text[end] not in node:
                return
            node = node[text[end]]

    def _has_number(self, runs: re.Pattern[str], normal: str, besides: Own | None) -> bool:
        for match in runs.finditer(normal):
            start, end = match.span()
            # Digits inside an identifier (hex case ids, `carrier13812345678x`) count only
            # when they hold the whole national number: 8 of them turn up by chance in hex.
            inside = _letter(normal, start - 1) or _letter(normal, end)
            groups = _GROUP.findall(match.group())
            digits = "".join(groups)
            if not inside and self._holds_key(groups, digits, besides):
                return True
            # Anywhere in the run, the whole number is the number. (And a case's own
            # number's last digits are its own, but the whole of another number ending in
            # them is not.)
            if _holds(digits, self.nationals, self._national_sizes,
                      besides.nationals if besides else frozenset()):
                return True
        return False

    def _holds_key(self, groups: list[str], digits: str, besides: Own | None) -> bool:
        """Do the last digits of a number stand as written ones do: ending a group of
        digits, and starting one or lying in one ("138 1234 5678", "13812345678-0001")?
        Not the digits that straddle two numbers run together ("13900001234-5678"): 8
        of them out of thousands of subjects' would turn up by chance."""
        starts: list[int] = []
        ends: list[int] = []
        for group in groups:
            starts.append(ends[-1] if ends else 0)
            ends.append(starts[-1] + len(group))
        skip = besides.keys if besides else frozenset()
        for size in self._key_sizes:
            for end in ends:
                first = end - size
                if first < 0 or digits[first:end] not in self.keys or digits[first:end] in skip:
                    continue
                if first in starts or not any(first < at < end for at in starts):
                    return True
        return False


def _holds(digits: str, found: set[str], sizes: list[int], besides: frozenset[str]) -> bool:
    for size in sizes:
        if size > len(digits):
            break
        for i in range(len(digits) - size + 1):
            if digits[i:i + size] in found and digits[i:i + size] not in besides:
                return True
    return False


def _letter(text: str, at: int) -> bool:
    return 0 <= at < len(text) and text[at].isascii() and text[at].isalpha()


# --- the purge ---------------------------------------------------------------------------

def purge_resolved(ctx: Context, older_than: timedelta, *, vacuum: bool = False,
                   wait_s: float = WAIT_S) -> PurgeReport:
    """Purge every case resolved more than `older_than` ago, then clear what the database's
    files keep of the old rows (see the module's docstring), waiting up to about `wait_s`
    for readers to let go of them. `vacuum` rewrites the files too, locking writers
    (SQLite) or each table (PostgreSQL) out while it runs."""
    cutoff = ctx.now() - older_than
    report = PurgeReport()
    deferred: set[str] = set()
    while True:
        subjects = _candidates(ctx, cutoff)
        done = report.cases
        if subjects:
            # The audit trail and the other cases are searched once per round, before the
            # cases lose what they are searched for: a purge cut short is done again, whole,
            # by the next run.
            mentions = Mentions(*subjects.values(), shortest=2)
            others = _Others(set(subjects), mentions)
            others.scanned.audit = _scrub_audit_trail(ctx, mentions, report)
            _scrub_other_cases(ctx, others, report)
            waiting = _mentioned_in_unsent(subjects, others.unsent)
            deferred |= waiting
            ids = [case_id for case_id in subjects if case_id not in waiting]
            for start in range(0, len(ids), BATCH):
                _purge_batch(ctx, ids[start:start + BATCH], others, report)
        if len(subjects) < ROUND or report.cases == done:
            break
    report.deferred = len(deferred)
    if deferred:
        report.warnings.append(
            f"{len(deferred)} cases were not purged: a message of another case that "
            "mentions their subject is still waiting to be sent (as written, so that it "
            "still warns); the next run purges them")
    # Also when nothing was left to purge: what an earlier run could not clear is cleared now.
    _settle_files(ctx.engine, report, vacuum=vacuum, wait_s=wait_s)
    return report


def _candidates(ctx: Context, cutoff: datetime) -> dict[str, dict[str, Any]]:
    """The next cases to purge, each with its subject (the stored case's, else its number)."""
    with ctx.reads() as session:
        rows = session.execute(
            select(CaseRow.id, CaseRow.msisdn, CaseRow.aggregate["subject"])
            .where(CaseRow.state == "resolved", CaseRow.resolved_at < cutoff,
                   CaseRow.msisdn != GONE)
            .order_by(CaseRow.resolved_at, CaseRow.id).limit(ROUND)).all()
    return {case_id: {**(subject if isinstance(subject, dict) else {}), "msisdn": msisdn}
            for case_id, msisdn, subject in rows}


def _secure(session: Session) -> None:
    """Zero what this transaction overwrites or frees in the SQLite file."""
    if is_sqlite(session.get_bind().engine):
        session.connection().exec_driver_sql("PRAGMA secure_delete = ON")


def _purge_batch(ctx: Context, ids: list[str], others: "_Others",
                 report: PurgeReport) -> None:
    with ctx.sessions.begin() as session:
        _secure(session)
        # Locked like any change to a case: a late result on a resolved case cannot write
        # the old, personal stored form back over the purged one.
        rows = list(session.scalars(
            select(CaseRow).where(CaseRow.id.in_(ids), CaseRow.state == "resolved",
                                  CaseRow.msisdn != GONE)
            .order_by(CaseRow.id).with_for_update()))
        subjects = [_purge_case(session, row, report) for row in rows]
        if subjects:
            # Rows written since the round's search, by whoever typed the number meanwhile.
            mentions = Mentions(*subjects, shortest=2)
            scanned = others.scanned
            for entry in session.scalars(select(Audit).where(Audit.id > scanned.audit)):
                report.audit += _scrub_audit(entry, mentions, free_text=False)
            since = _Others(others.purged, mentions)
            _scrub_entries(session, since, list(session.scalars(
                select(TimelineEntry.id).where(TimelineEntry.id > scanned.timeline))), report)
            _scrub_notes(session, since, list(session.scalars(
                select(DeliveryResult.id).where(DeliveryResult.id > scanned.results,
                                                DeliveryResult.note.is_not(None)))), report)
            _scrub_case_notes(session, since, list(session.scalars(
                select(CaseNote.id).where(CaseNote.id > scanned.case_notes))), report)
            _scrub_shift_log(session, since, list(session.scalars(
                select(ShiftEntry.id).where(ShiftEntry.id > scanned.shift))), report)


def _purge_case(session: Session, row: CaseRow, report: PurgeReport) -> dict[str, Any]:
    aggregate = dict(row.aggregate)
    subject = {**dict(aggregate.get("subject") or {}), "msisdn": row.msisdn}
    mentions = Mentions(subject)
    number = row.msisdn
    renamed = _purge_signals(session, row.id, mentions, report)
    aggregate["subject"] = _anonymous(subject)
    aggregate["signal_ids"] = [renamed.keys.get(signal_id, signal_id)
                               for signal_id in aggregate.get("signal_ids", [])]
    aggregate["deliveries"] = [
        {**d, "recipient": GONE if _to_subject(d.get("recipient"), number, mentions)
         else d.get("recipient")}
        for d in aggregate.get("deliveries", [])]
    if isinstance(aggregate.get("stuck"), str) and mentions(aggregate["stuck"]):
        aggregate["stuck"] = REDACTED
    row.aggregate, row.msisdn = aggregate, GONE
    report.cases += 1
    delivery_ids = _purge_deliveries(session, row.id, number, mentions)
    report.deliveries += len(delivery_ids)
    _purge_timeline(session, row.id, mentions, renamed)
    # The duty room's notes on the case are free text about the person, like result notes.
    session.execute(delete(CaseNote).where(CaseNote.case_id == row.id))
    for entry in session.scalars(select(Audit).where(Audit.target.in_([row.id, *delivery_ids]))):
        report.audit += _scrub_audit(entry, mentions, free_text=True)
    return subject


def _anonymous(subject: dict[str, Any]) -> dict[str, Any]:
    """What stays of the subject: where (district, school), never who."""
    kept = {key: subject[key] for key in ("district", "school") if subject.get(key)}
    return {"msisdn": GONE, **kept}


def _to_subject(recipient: object, number: str, mentions: Mentions) -> bool:
    return isinstance(recipient, str) and (recipient == number or mentions(recipient))


@dataclass
class Renamed:
    """Signal ids replaced, old to new: our keys, and the feeds' ids (a signal stored before
    ids were per feed has one value as both, replaced by two different ones)."""

    keys: dict[str, str] = field(default_factory=dict)
    feed_ids: dict[str, str] = field(default_factory=dict)


def _purge_signals(session: Session, case_id: str, mentions: Mentions,
                   report: PurgeReport) -> Renamed:
    """Purge the case's signals; returns the ids replaced."""
    renamed = Renamed()
    for signal in list(session.scalars(select(SignalRow).where(SignalRow.case_id == case_id))):
        payload = dict(signal.payload)
        payload["subject"] = _anonymous(dict(payload.get("subject") or {}))
        payload["attributes"] = {key: value for key, value in
                                 dict(payload.get("attributes") or {}).items()
                                 if not _mentioned_in(value, mentions)}
        if mentions(signal.feed_id):
            # Unique per feed like any feed id: 128 random bits, which no feed's own id
            # will meet by chance.
            feed_id = f"purged-{secrets.token_hex(16)}"
            renamed.feed_ids[signal.feed_id] = feed_id
            signal.feed_id = feed_id
        if mentions(signal.id):
            key = secrets.token_hex(16)
            renamed.keys[signal.id] = key
            signal.id = key
        for name, renames in (("id", renamed.keys), ("feed_id", renamed.feed_ids)):
            if isinstance(payload.get(name), str):
                payload[name] = renames.get(payload[name], payload[name])
        # The content hash covered the number: with the rest of the payload known, a
        # phone number's few billion values could be tried against it. It goes too.
        signal.payload, signal.msisdn, signal.content_hash = payload, GONE, "purged"
        report.signals += 1
    # Flushed here: the timeline and the case's list of signals are rewritten to the new
    # keys in this same transaction.
    session.flush()
    return renamed


def _mentioned_in(value: object, mentions: Mentions) -> bool:
    if isinstance(value, dict):
        return any(_mentioned_in(key, mentions) or _mentioned_in(item, mentions)
                   for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_mentioned_in(item, mentions) for item in value)
    if isinstance(value, str):
        return mentions(value)
    return isinstance(value, int | float) and not isinstance(value, bool) and mentions(
        str(value))


def _purge_deliveries(session: Session, case_id: str, number: str,
                      mentions: Mentions) -> list[str]:
    deliveries = list(session.scalars(select(Delivery).where(Delivery.case_id == case_id)))
    for delivery in deliveries:
        if _to_subject(delivery.recipient, number, mentions):
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


def _purge_timeline(session: Session, case_id: str, mentions: Mentions,
                    renamed: Renamed) -> None:
    # The timeline names a signal as people know it, by the feed's id where one value was
    # both. Longest first: an id that is part of another must not be replaced inside it.
    renames = sorted({**renamed.keys, **renamed.feed_ids}.items(),
                     key=lambda pair: -len(pair[0]))
    for entry in session.scalars(select(TimelineEntry).where(TimelineEntry.case_id == case_id)):
        detail = entry.detail
        for old, new in renames:
            detail = detail.replace(old, new)
        if entry.type in FREE_TEXT_ENTRIES or mentions(detail):
            detail = REDACTED
        if detail != entry.detail:
            entry.detail = detail


# --- other cases -------------------------------------------------------------------------

@dataclass
class _Scanned:
    """The last row of each table the round searched: what comes after was written since."""

    audit: int = 0
    timeline: int = 0
    results: int = 0
    case_notes: int = 0
    shift: int = 0


class _Others:
    """What counts, in a case not being purged, as mentioning a subject being purged: any
    of their values, less those the case's own subject shares (a later case of the same
    person, a namesake), which that case still needs and keeps."""

    def __init__(self, purged: set[str], mentions: Mentions) -> None:
        self.purged = purged  # the round's cases: purged whole, never judged as others
        self.mentions = mentions
        self.scanned = _Scanned()
        self.unsent: list[str] = []  # bodies of messages still to be sent that mention one
        self._own: dict[str, Own | None] = {}

    def load(self, session: Session, case_ids: set[str]) -> None:
        """Read the subjects of these cases, for `mention`."""
        wanted = sorted(case_ids - self._own.keys())
        for start in range(0, len(wanted), SCAN):
            for case_id, msisdn, subject in session.execute(
                    select(CaseRow.id, CaseRow.msisdn, CaseRow.aggregate["subject"])
                    .where(CaseRow.id.in_(wanted[start:start + SCAN]))):
                own = {**(subject if isinstance(subject, dict) else {}), "msisdn": msisdn}
                self._own[case_id] = self.mentions.own(own)

    def mention(self, case_id: str, value: str | None) -> bool:
        return self.mentions(value, self._own.get(case_id))


def _scrub_other_cases(ctx: Context, others: _Others, report: PurgeReport) -> None:
    """Scrub what the other cases' people wrote or were sent about one of the round's
    subjects: result notes and the timeline entries that repeat them, any timeline entry,
    message or delivery error that mentions one. Every table is read once, a few thousand
    rows at a time; only the rows that mention a subject are written."""
    mentions = others.mentions
    with ctx.reads() as session:
        last_entry = session.scalar(select(func.max(TimelineEntry.id))) or 0
        last_result = session.scalar(select(func.max(DeliveryResult.id))) or 0
        last_note = session.scalar(select(func.max(CaseNote.id))) or 0
        last_shift = session.scalar(select(func.max(ShiftEntry.id))) or 0
    others.scanned.timeline, others.scanned.results = last_entry, last_result
    others.scanned.case_notes, others.scanned.shift = last_note, last_shift
    if not mentions:
        return
    entries = [row.id for row in _pages(ctx, select(
        TimelineEntry.id, TimelineEntry.case_id, TimelineEntry.detail).where(
        TimelineEntry.id <= last_entry), TimelineEntry.id)
        if row.case_id not in others.purged and mentions(row.detail)]
    notes = [row.id for row in _pages(ctx, select(DeliveryResult.id, DeliveryResult.note).where(
        DeliveryResult.id <= last_result, DeliveryResult.note.is_not(None)), DeliveryResult.id)
        if mentions(row.note)]
    deliveries = [row.id for row in _pages(ctx, select(
        Delivery.id, Delivery.case_id, Delivery.body, Delivery.last_error), Delivery.id)
        if row.case_id not in others.purged
        and (mentions(row.body) or mentions(row.last_error))]
    case_notes = [row.id for row in _pages(ctx, select(CaseNote.id, CaseNote.case_id,
                                                        CaseNote.text).where(
        CaseNote.id <= last_note), CaseNote.id)
        if row.case_id not in others.purged and mentions(row.text)]
    shift = [row.id for row in _pages(ctx, select(ShiftEntry.id, ShiftEntry.text).where(
        ShiftEntry.id <= last_shift), ShiftEntry.id) if mentions(row.text)]
    for found, scrub in ((entries, _scrub_entries), (notes, _scrub_notes),
                         (deliveries, _scrub_deliveries), (case_notes, _scrub_case_notes),
                         (shift, _scrub_shift_log)):
        for start in range(0, len(found), SCAN):
            with ctx.sessions.begin() as session:
                _secure(session)
                scrub(session, others, found[start:start + SCAN], report)


def _mentioned_in_unsent(subjects: dict[str, dict[str, Any]], bodies: list[str]) -> set[str]:
    """The cases whose subject one of `bodies` mentions: one subject at a time, which is slow,
    but a message waits to be sent for seconds and seldom names someone else."""
    if not bodies:
        return set()
    return {case_id for case_id, subject in subjects.items()
            if any(map(Mentions(subject, shortest=2), bodies))}


def _pages(ctx: Context, query: Any, key: Any) -> Iterator[Any]:
    """The rows of `query` in order of `key`, its first column, a page per transaction."""
    after = None
    while True:
        page = query if after is None else query.where(key > after)
        with ctx.reads() as session:
            rows = session.execute(page.order_by(key).limit(SCAN)).all()
        yield from rows
        if len(rows) < SCAN:
            return
        after = rows[-1][0]


# Each is given rows found to mention a subject when read; it reads them again, locked, and
# judges them as they are now, less what their case's own subject shares with the round.

def _scrub_entries(session: Session, others: _Others, ids: list[int],
                   report: PurgeReport) -> None:
    entries = [entry for entry in session.scalars(select(TimelineEntry).where(
        TimelineEntry.id.in_(ids)).with_for_update()) if entry.case_id not in others.purged]
    others.load(session, {entry.case_id for entry in entries})
    for entry in entries:
        if not others.mention(entry.case_id, entry.detail):
            continue
        # What happened stays ("school_group d-3: acknowledged"); what was typed goes.
        head, mark, _ = entry.detail.partition(NOTE_MARK)
        entry.detail = (head + mark + REDACTED if mark and entry.type in FREE_TEXT_ENTRIES
                        and not others.mention(entry.case_id, head) else REDACTED)
        report.elsewhere += 1


def _scrub_notes(session: Session, others: _Others, ids: list[int],
                 report: PurgeReport) -> None:
    found = [(result, case_id) for result, case_id in session.execute(
        select(DeliveryResult, Delivery.case_id).join(
            Delivery, Delivery.id == DeliveryResult.delivery_id).where(
            DeliveryResult.id.in_(ids)).with_for_update(of=DeliveryResult))
        if case_id not in others.purged]
    others.load(session, {case_id for _, case_id in found})
    for result, case_id in found:
        if others.mention(case_id, result.note):
            # Said, not dropped: the officers of a live case see that a note was there.
            result.note = REDACTED
            report.elsewhere += 1


def _scrub_case_notes(session: Session, others: _Others, ids: list[int],
                      report: PurgeReport) -> None:
    notes = [note for note in session.scalars(select(CaseNote).where(
        CaseNote.id.in_(ids)).with_for_update()) if note.case_id not in others.purged]
    others.load(session, {note.case_id for note in notes})
    for note in notes:
        if others.mention(note.case_id, note.text):
            # Said, not dropped: the officers of a live case see that a note was there.
            note.text = REDACTED
            report.elsewhere += 1


def _scrub_shift_log(session: Session, others: _Others, ids: list[int],
                     report: PurgeReport) -> None:
    # A shift-log entry belongs to no case: whatever it says of a purged person goes.
    for entry in session.scalars(select(ShiftEntry).where(ShiftEntry.id.in_(ids))
                                 .with_for_update()):
        if others.mentions(entry.text):
            entry.text = REDACTED
            report.elsewhere += 1


def _scrub_deliveries(session: Session, others: _Others, ids: list[str],
                      report: PurgeReport) -> None:
    deliveries = [delivery for delivery in session.scalars(select(Delivery).where(
        Delivery.id.in_(ids)).with_for_update()) if delivery.case_id not in others.purged]
    others.load(session, {delivery.case_id for delivery in deliveries})
    for delivery in deliveries:
        changed = False
        if others.mention(delivery.case_id, delivery.body):
            if delivery.state == "queued":
                # A warning sent as "(purged)" would warn nobody: it goes out as written,
                # and the subjects it mentions wait for the next run.
                others.unsent.append(delivery.body)
            else:
                delivery.body, changed = REDACTED, True
        if others.mention(delivery.case_id, delivery.last_error):
            delivery.last_error, changed = REDACTED, True
        report.elsewhere += changed


# --- the audit trail ---------------------------------------------------------------------

def _scrub_audit_trail(ctx: Context, mentions: Mentions, report: PurgeReport) -> int:
    """Scrub every audit row that mentions one of the subjects, a few thousand rows per
    transaction; returns the last row id looked at."""
    with ctx.reads() as session:
        last_id = session.scalar(select(func.max(Audit.id))) or 0
    after = 0
    while mentions and after < last_id:
        with ctx.reads() as session:
            rows = session.execute(
                select(Audit.id, Audit.actor, Audit.target, Audit.detail)
                .where(Audit.id > after, Audit.id <= last_id)
                .order_by(Audit.id).limit(SCAN)).all()
        if not rows:
            break
        after = rows[-1].id
        hits = [row.id for row in rows if any(mentions(value) for value in _audit_texts(row))]
        if hits:
            with ctx.sessions.begin() as session:
                _secure(session)
                for entry in session.scalars(select(Audit).where(Audit.id.in_(hits))):
                    report.audit += _scrub_audit(entry, mentions, free_text=False)
    return last_id


def _audit_texts(row: Any) -> Iterator[str]:
    yield row.actor
    yield row.target
    yield row.detail
    if "\\u" in row.detail:  # JSON written with escapes: look at what it says
        with contextlib.suppress(ValueError):
            yield json.dumps(json.loads(row.detail), ensure_ascii=False)


def _scrub_audit(entry: Audit, mentions: Mentions, *, free_text: bool) -> int:
    """Scrub one row in place (free text too, on a row about the purged case); 1 if it
    changed."""
    actor = REDACTED if mentions(entry.actor) else entry.actor
    target = REDACTED if mentions(entry.target) else entry.target
    detail = _scrub_detail(entry.detail, mentions, free_text=free_text)
    if (actor, target, detail) == (entry.actor, entry.target, entry.detail):
        return 0
    entry.actor, entry.target, entry.detail = actor, target, detail
    return 1


def _scrub_detail(detail: str, mentions: Mentions, *, free_text: bool) -> str:
    try:
        data = json.loads(detail)
    except ValueError:
        return REDACTED if mentions(detail) else detail
    if not isinstance(data, dict) or _keys_mention(data, mentions):
        return REDACTED if _mentioned_in(data, mentions) else detail
    scrubbed = _scrub_json(data, mentions, free_text)
    if scrubbed == data:
        return detail
    return json.dumps(scrubbed, ensure_ascii=False, sort_keys=True)


def _keys_mention(value: object, mentions: Mentions) -> bool:
    if isinstance(value, dict):
        return any(mentions(str(key)) or _keys_mention(item, mentions)
                   for key, item in value.items())
    if isinstance(value, list):
        return any(_keys_mention(item, mentions) for item in value)
    return False


def _scrub_json(value: Any, mentions: Mentions, free_text: bool) -> Any:
    if isinstance(value, dict):
        return {key: REDACTED if free_text and key in FREE_TEXT_KEYS and item
                else _scrub_json(item, mentions, free_text) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub_json(item, mentions, free_text) for item in value]
    return REDACTED if _mentioned_in(value, mentions) else value


# --- the files ---------------------------------------------------------------------------

def _settle_files(engine: Engine, report: PurgeReport, *, vacuum: bool, wait_s: float) -> None:
    if is_sqlite(engine):
        database = engine.url.database
        if database and database != ":memory:":
            _settle_sqlite(engine, report, vacuum=vacuum, wait_s=wait_s)
    elif engine.dialect.name == "postgresql":
        _settle_postgresql(engine, report, full=vacuum, wait_s=wait_s)


def _settle_sqlite(engine: Engine, report: PurgeReport, *, vacuum: bool, wait_s: float) -> None:
    raw = engine.raw_connection()
    try:
        # The pool's connections run in autocommit (db.py): no transaction is open here.
        conn: sqlite3.Connection = raw.driver_connection  # type: ignore[assignment]
        timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0]
        try:
            conn.execute("PRAGMA secure_delete = ON")
            if vacuum:
                try:
                    conn.execute("VACUUM")
                except sqlite3.OperationalError as error:
                    report.warnings.append(
                        f"VACUUM could not run ({error}): free space in the database file "
                        "may still hold purged values; run it again with the server stopped")
            if not _checkpoint(conn, wait_s):
                report.warnings.append(
                    f"the write-ahead log could not be emptied within {wait_s:g} s (readers "
                    "kept it busy): it may still hold purged values until a later "
                    "checkpoint; run the purge again when the server is quiet")
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")
    finally:
        raw.close()


def _checkpoint(conn: sqlite3.Connection, wait_s: float) -> bool:
    """Copy the WAL into the database and truncate it to zero bytes; False when readers or
    writers still held it after about `wait_s`."""
    deadline = time.monotonic() + wait_s
    conn.execute(f"PRAGMA busy_timeout = {CHECKPOINT_TRY_MS}")
    while True:
        try:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.OperationalError:
            busy = 1  # the write lock was not to be had either
        if not busy:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(PAUSE_S)


def _settle_postgresql(engine: Engine, report: PurgeReport, *, full: bool,
                       wait_s: float) -> None:
    tables = ", ".join(TOUCHED)
    with engine.connect() as conn:
        xid = int(conn.execute(text("SELECT txid_current() % 4294967296")).scalar_one())
        conn.commit()
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")  # VACUUM refuses a transaction
        # VACUUM keeps every row version that a snapshot taken before the purge may still
        # see, without a word: wait for those snapshots to end first (a page being served,
        # an autovacuum's ANALYZE), a bounded time.
        deadline = time.monotonic() + wait_s
        while (holders := _old_snapshots(conn, xid)) and time.monotonic() < deadline:
            time.sleep(PAUSE_S)
        if holders:
            report.warnings.append(
                f"{holders} sessions, prepared transactions or replication slots still held "
                f"a snapshot older than the purge after {wait_s:g} s: VACUUM keeps the old "
                "versions of the purged rows they may see; run the purge again once they "
                "are gone")
        # VACUUM skips a table its role does not own with a mere notice.
        not_owned = list(conn.scalars(text(
            "SELECT relname FROM pg_class WHERE oid = ANY(CAST(:tables AS regclass[])) "
            "AND NOT pg_has_role(relowner, 'USAGE') ORDER BY relname"),
            {"tables": list(TOUCHED)}))
        if not_owned:
            report.warnings.append(
                f"this database role does not own {', '.join(not_owned)}, so VACUUM skips "
                "them: old versions of the purged rows stay there until their owner "
                "vacuums them")
        try:
            conn.execute(text(f"SET lock_timeout = '{PG_LOCK_TIMEOUT}'"))
            conn.execute(text(f"VACUUM {'(FULL) ' if full else ''}{tables}"))
        except DBAPIError as error:
            report.warnings.append(
                f"VACUUM{' FULL' if full else ''} of {tables} did not complete "
                f"({type(error.orig).__name__}): old versions of the purged rows remain "
                "readable to the database until it does; run the purge again")
        finally:
            conn.execute(text("RESET lock_timeout"))


def _old_snapshots(conn: Any, xid: int) -> int:
    """Sessions (of this database, or of none: a standby's feedback), prepared transactions
    and replication slots that hold back what VACUUM may remove to before `xid`. An
    autovacuum worker counts too: while it analyses, its snapshot holds like any other."""
    older = "age({}) > age(CAST(CAST(:xid AS text) AS xid))"
    return int(conn.execute(text(
        "SELECT (SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
        " AND (datname = current_database() OR datid IS NULL)"
        f" AND ({older.format('backend_xmin')} OR {older.format('backend_xid')}))"
        " + (SELECT count(*) FROM pg_prepared_xacts WHERE database = current_database()"
        f" AND {older.format('transaction')})"
        f" + (SELECT count(*) FROM pg_replication_slots WHERE {older.format('xmin')})"),
        {"xid": xid}).scalar_one())
