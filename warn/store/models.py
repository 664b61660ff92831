"""The tables of warn, as SQLAlchemy 2.x typed models (PostgreSQL and SQLite).

Row classes for signals and cases carry a `Row` suffix so they never shadow the
domain's `Signal` and `Case` value objects in a module that uses both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Identity, Index, MetaData, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from warn.store.types import UtcDateTime

# Fixed constraint names, so a migration can name what it alters on every dialect.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Json = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime(), dict[str, Any]: Json}


def _autoinc() -> Mapped[int]:
    # IDENTITY on PostgreSQL; on SQLite an INTEGER PRIMARY KEY with AUTOINCREMENT
    # (table option below), so ids only grow and never get reused.
    return mapped_column(Identity(), primary_key=True)


_SQLITE_AUTOINC = {"sqlite_autoincrement": True}


class District(Base):
    """A police district. Its id is the canonical spelling (trimmed, NFKC, lower case) that
    schools, teams, users and cases carry; signals naming it in another case or with spaces
    around it are matched to it."""

    __tablename__ = "districts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String)


class School(Base):
    __tablename__ = "schools"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String)
    district: Mapped[str] = mapped_column(String(64))


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    district: Mapped[str] = mapped_column(String(64))
    capacity: Mapped[int] = mapped_column(default=1)


class User(Base):
    __tablename__ = "users"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))  # feed|officer|liaison|team|admin
    school: Mapped[str | None] = mapped_column(String(64))
    district: Mapped[str | None] = mapped_column(String(64))
    team: Mapped[str | None] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    password_hash: Mapped[str | None] = mapped_column(String)
    # Console sign-in lockout: consecutive failures, and until when sign-in is refused.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    locked_until: Mapped[datetime | None]


class WebSession(Base):
    """A console sign-in. The cookie carries a random token; only its sha256 is kept here,
    so a copy of the table cannot be replayed as cookies."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the token
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class SignInThrottle(Base):
    """Failed console sign-ins counted per key (a client address, or a client address and a
    name): each key waits longer after each failure, and no key can lock an account for
    the other clients."""

    __tablename__ = "sign_in_throttle"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the key
    failures: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime]
    wait_until: Mapped[datetime | None]


class SignalRow(Base):
    __tablename__ = "signals"
    # Our own key for the signal. Feeds name signals with ids of their own (`feed_id`),
    # unique only within the feed (CONTRACT §3): two feeds may use the same one.
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    feed: Mapped[str] = mapped_column(String(64), server_default=text("''"))
    feed_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    observed_at: Mapped[datetime]
    received_at: Mapped[datetime]
    msisdn: Mapped[str] = mapped_column(String(32))
    content_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16), default="received")  # received|processed
    case_id: Mapped[str | None] = mapped_column(String(32), index=True)
    # Known from the signal alone (CONTRACT §6): its case is or will be urgent, so it is
    # processed on the urgent lane, and re-driven first.
    urgent: Mapped[bool] = mapped_column(default=False, server_default=text("false"))


class CaseRow(Base):
    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    msisdn: Mapped[str] = mapped_column(String(32))
    district: Mapped[str | None] = mapped_column(String(64))
    school: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="open")  # open|resolved
    outcome: Mapped[str | None] = mapped_column(String(32))
    tier: Mapped[str] = mapped_column(String(16))
    score: Mapped[int]
    flag_awaiting: Mapped[bool] = mapped_column(default=False)
    flag_overdue: Mapped[bool] = mapped_column(default=False)
    flag_no_team: Mapped[bool] = mapped_column(default=False)
    flag_exhausted: Mapped[bool] = mapped_column(default=False)
    flag_stuck: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    flag_unknown_school: Mapped[bool] = mapped_column(default=False,
                                                      server_default=text("false"))
    flag_unknown_district: Mapped[bool] = mapped_column(default=False,
                                                        server_default=text("false"))
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_signal_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    school_notified_at: Mapped[datetime | None]
    # what the duty room's order sorts by (warn.domain.case.urgency_deadline)
    deadline_at: Mapped[datetime | None]
    aggregate: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(default=0)
    # the policy snapshot the case runs on (migration 0009); None: the aggregate holds it
    policy_id: Mapped[str | None] = mapped_column(String(64))


class PolicyRow(Base):
    """A policy snapshot, once, under the hash of its document (warn.store.policies)."""

    __tablename__ = "policies"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    document: Mapped[dict[str, Any]]
    stored_at: Mapped[datetime]


class Delivery(Base):
    __tablename__ = "deliveries"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    stage: Mapped[int]
    channel: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String)
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="queued")  # queued|sent|failed|cancelled
    attempts: Mapped[int] = mapped_column(default=0)  # sends tried at the gateway
    rounds: Mapped[int] = mapped_column(default=0)  # times a worker claimed it
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String)
    # mobile_team only: the dispatch counts against its team's capacity while true.
    dispatch_open: Mapped[bool] = mapped_column(default=False)
    # duty_page only (migration 0007): why the officer is paged, and the grouped message
    # to the officer's device that carries this page (warn.service.paging).
    page_reason: Mapped[str | None] = mapped_column(String(16))
    page_message_id: Mapped[str | None] = mapped_column(String(64))


class DeliveryResult(Base):
    __tablename__ = "delivery_results"
    __table_args__ = _SQLITE_AUTOINC
    id: Mapped[int] = _autoinc()
    delivery_id: Mapped[str] = mapped_column(ForeignKey("deliveries.id"), index=True)
    result: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class Timer(Base):
    __tablename__ = "timers"
    __table_args__ = _SQLITE_AUTOINC
    id: Mapped[int] = _autoinc()
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    due_at: Mapped[datetime]
    # pending|claimed|fired|cancelled
    status: Mapped[str] = mapped_column(String(16), default="pending")
    claimed_until: Mapped[datetime | None]


class TimelineEntry(Base):
    __tablename__ = "timeline"
    __table_args__ = _SQLITE_AUTOINC
    id: Mapped[int] = _autoinc()
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    at: Mapped[datetime]
    type: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)


class Audit(Base):
    __tablename__ = "audit"
    __table_args__ = _SQLITE_AUTOINC
    id: Mapped[int] = _autoinc()
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String)
    detail: Mapped[str] = mapped_column(Text)


def _partial(name: str, *columns: Any, where: Any, unique: bool = False) -> Index:
    return Index(name, *columns, unique=unique, postgresql_where=where, sqlite_where=where)


_partial("ix_signals_received", SignalRow.received_at, where=SignalRow.state == "received")
# The sweeper re-drives urgent signals first, however many bulk ones wait beside them.
Index("ix_signals_received_urgent", SignalRow.received_at,
      postgresql_where=text("state = 'received' AND urgent"),
      sqlite_where=text("state = 'received' AND urgent = 1"))
Index("uq_signals_feed_feed_id", SignalRow.feed, SignalRow.feed_id, unique=True)
_partial("uq_cases_open_msisdn", CaseRow.msisdn, where=CaseRow.state == "open", unique=True)
Index("ix_cases_state_opened_at", CaseRow.state, CaseRow.opened_at)
Index("ix_cases_open_urgency", CaseRow.state, CaseRow.tier, CaseRow.deadline_at)
# SQLite uses a partial index only when the query repeats its predicate as written,
# and `where(CaseRow.flag_no_team)` renders as `flag_no_team = 1` there.
Index(
    "ix_cases_no_team",
    CaseRow.id,
    postgresql_where=CaseRow.flag_no_team,
    sqlite_where=text("flag_no_team = 1"),
)
_partial("ix_deliveries_queued", Delivery.created_at, where=Delivery.state == "queued")
# Only team dispatches and grouped pages are looked up by these (migration 0009): a flash
# SMS, most of all rows, is written to neither index.
_partial("ix_deliveries_dispatch", Delivery.recipient, Delivery.dispatch_open,
         where=Delivery.channel == "mobile_team")
# The flash SMS cooldown: each number's last flash SMS, for a whole batch of numbers.
_partial("ix_deliveries_flash_recipient", Delivery.recipient, Delivery.created_at,
         where=Delivery.channel == "flash_sms")
_partial("ix_timers_pending_due", Timer.due_at, where=Timer.status == "pending")
_partial("ix_timers_claimed", Timer.claimed_until, where=Timer.status == "claimed")
Index("ix_timeline_case_id_id", TimelineEntry.case_id, TimelineEntry.id)


# --- The desk's own work (migration 0006): callback claims, owners, notes, shift log. ---
Index("ix_cases_state_resolved_at", CaseRow.state, CaseRow.resolved_at)


class CallbackClaim(Base):
    """A 96110 operator's claim on one callback_96110 delivery. The delivery is the primary
    key, so of two operators claiming at once exactly one insert succeeds."""

    __tablename__ = "callback_claims"
    delivery_id: Mapped[str] = mapped_column(ForeignKey("deliveries.id"), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    claimed_by: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime]


class CaseOwner(Base):
    """The officer who carries a case (承办人)."""

    __tablename__ = "case_owners"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    assigned_by: Mapped[str] = mapped_column(String(64))
    since: Mapped[datetime]


class CaseNote(Base):
    """An internal note on a case: officers and admins read it, liaisons and teams never."""

    __tablename__ = "case_notes"
    __table_args__ = _SQLITE_AUTOINC
    id: Mapped[int] = _autoinc()
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    author: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)


Index("ix_case_notes_case_id_id", CaseNote.case_id, CaseNote.id)


class ShiftEntry(Base):
    """One entry of the duty room's shift log. A handover (`kind == "handover"`) carries
    the open cases' lane counts as they were when it was written."""

    __tablename__ = "shift_log"
    __table_args__ = _SQLITE_AUTOINC
    id: Mapped[int] = _autoinc()
    at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(64))
    # The author's district: the desk the entry belongs to (None: officers of all districts).
    district: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # entry|handover
    text: Mapped[str] = mapped_column(Text)
    counts: Mapped[dict[str, Any] | None] = mapped_column(Json)


Index("ix_shift_log_district_id", ShiftEntry.district, ShiftEntry.id)


class ShiftAck(Base):
    """An incoming officer has read a handover."""

    __tablename__ = "shift_acks"
    entry_id: Mapped[int] = mapped_column(ForeignKey("shift_log.id"), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime]


# --- Duty pages a duty room can live with (migration 0007): roster, grouped pages. ---


class RosterEntry(Base):
    """Someone on the duty roster (值班表): on shift since when, and whether as the shift's
    supervisor (值班领导). Signing off removes the row; a sign-on lapses after
    `warn.domain.facts.LONGEST_SHIFT`."""

    __tablename__ = "duty_roster"
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"), primary_key=True)
    since: Mapped[datetime]
    lead: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    signed_by: Mapped[str] = mapped_column(String(64))


class Pager(Base):
    """One row per person paged, locked while deciding whether a grouped page goes now:
    two workers never send one officer two messages within a minute."""

    __tablename__ = "pagers"
    officer: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_page_at: Mapped[datetime | None]


class PageMessage(Base):
    """One message that reached (or is on its way to) an officer's device, carrying the
    duty_page deliveries whose `page_message_id` it is. Its id is the gateway's
    idempotency key; its text is made from what it carries when it is sent, so no
    personal data is kept here."""

    __tablename__ = "page_messages"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    officer: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # sending|sent|failed
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    rounds: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(String)


_partial("ix_page_messages_sending", PageMessage.officer, PageMessage.lease_until,
         where=PageMessage.state == "sending")
# The pages that wait for an officer's next message, and an officer's unanswered pages.
_partial("ix_deliveries_duty_pages", Delivery.recipient, Delivery.state,
         where=Delivery.channel == "duty_page")
_partial("ix_deliveries_page_message_id", Delivery.page_message_id,
         where=Delivery.page_message_id.is_not(None))
