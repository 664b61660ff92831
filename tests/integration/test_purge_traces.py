"""What `warn purge` leaves behind, on SQLite and PostgreSQL: nothing of a purged person in
the database files (SQLite's main file, WAL and shared memory; PostgreSQL's row versions),
in signal ids, anywhere in the audit trail or in what other cases say of them; the number
found in any spelling, Chinese numerals too. What it cannot clear it says."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from api_harness import Api
from api_harness import api as api  # the fixture
from console_harness import person
from sqlalchemy import event, select, text, update

from tests.integration import service_harness
from tests.integration.service_harness import Room, make_room
from tests.integration.test_purge import OLD, OPEN, RECENT, _case, _dump, _resolve
from warn.access.audit import audit
from warn.access.principal import Principal
from warn.service import actions, desk
from warn.service import purge as purge_module
from warn.service.purge import REDACTED, TOUCHED, Mentions, purge_resolved
from warn.store.db import make_engine, upgrade
from warn.store.models import (
    Audit,
    Base,
    CaseNote,
    CaseRow,
    Delivery,
    DeliveryResult,
    ShiftEntry,
    SignalRow,
    TimelineEntry,
)
from warn.textview import as_digits, normalised

KEY = "12345678"  # in every spelling of OLD's number: E.164, national, digits only
SPACED = ("1234 5678", "1234-5678", "138 1234 5678", "138-1234-5678")
CHINESE = "一三八一二三四五六七八"  # OLD's number as said, written down by an officer
LOOKALIKE = "l38-l234-5678"  # and typed with a letter l for each 1
ADMIN = Principal("boss", "admin")


def _needles() -> list[bytes]:
    """OLD's values as the bytes a file may hold them in: UTF-8, and JSON's \\u escapes
    (SQLite keeps JSON columns as text written with them)."""
    found = {KEY.encode(), *(spelling.encode() for spelling in SPACED), LOOKALIKE.encode()}
    for value in (OLD["name"], OLD["student_no"], OLD["location"], CHINESE):
        found.add(value.encode())
        found.add(json.dumps(value)[1:-1].encode())
    return sorted(found)


def _hits(data: bytes) -> dict[bytes, int]:
    return {needle: data.count(needle) for needle in _needles() if needle in data}


def _file_hits(database: Path) -> dict[str, dict[bytes, int]]:
    hits = {}
    for suffix in ("", "-wal", "-shm"):
        path = database.with_name(database.name + suffix)
        found = _hits(path.read_bytes()) if path.exists() else {}
        if found:
            hits[path.name] = found
    return hits


def _digits_of(value: str) -> str:
    return "".join(char for char in normalised(value) if char.isdigit())


# --- SQLite: the files -------------------------------------------------------------------

def _plain_sqlite(path: Path) -> Callable[[], sqlite3.Connection]:
    """Connections as a SQLite built without SQLITE_SECURE_DELETE makes them (Debian's
    zeroes freed space by default; python.org's, Alpine's and many wheels' do not)."""
    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA secure_delete = OFF")
        return conn
    return connect


def _checkpoint(path: Path) -> None:
    """What a running server's automatic checkpoints do: copy the WAL into the file."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


@pytest.fixture
def sqlite_room(tmp_path: Path, mock_log: Path, monkeypatch: pytest.MonkeyPatch
                ) -> Iterator[tuple[Room, Path]]:
    database = tmp_path / "warn.db"
    url = f"sqlite:///{database}"
    upgrade(url)
    monkeypatch.setattr(service_harness, "make_engine", lambda db_url: make_engine(
        db_url, creator=_plain_sqlite(database)))
    room = make_room(url, mock_log)
    yield room, database
    room.ctx.engine.dispose()


def _a_month_of_cases(room: Room, database: Path) -> str:
    """OLD's case, resolved and purgeable, between cases that stay; the WAL copied into the
    file as the case changes, so its earlier versions are in the file's free space."""
    old = _case(room, "carrier-13812345678-0001", OLD)
    _checkpoint(database)
    _resolve(room, old, OLD)
    _checkpoint(database)
    room.advance(days=29)
    recent = _case(room, "recent-1", RECENT)
    _resolve(room, recent, RECENT)
    _checkpoint(database)
    room.advance(days=2)
    _case(room, "open-1", OPEN)
    return old


def test_no_file_of_a_sqlite_database_holds_the_purged_person(
        sqlite_room: tuple[Room, Path]) -> None:
    room, database = sqlite_room
    _a_month_of_cases(room, database)
    assert _file_hits(database), "the test must start with the values in the files"

    report = purge_resolved(room.ctx, timedelta(days=30))

    assert report.cases == 1 and report.warnings == []
    assert _file_hits(database) == {}
    assert database.with_name("warn.db-wal").stat().st_size == 0
    # the people not purged are still there, in the rows and so in the file
    assert RECENT["name"] in _dump(room) and OPEN["name"] in _dump(room)


def test_vacuum_clears_free_space_written_before_secure_delete(
        sqlite_room: tuple[Room, Path]) -> None:
    room, database = sqlite_room

    def insecure(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA secure_delete = OFF")

    # A database written by an earlier version, which did not turn secure_delete on.
    event.listen(room.ctx.engine, "connect", insecure)
    room.ctx.engine.dispose()
    _a_month_of_cases(room, database)
    event.remove(room.ctx.engine, "connect", insecure)
    room.ctx.engine.dispose()

    report = purge_resolved(room.ctx, timedelta(days=30), vacuum=True)

    assert report.cases == 1 and report.warnings == []
    assert _file_hits(database) == {}


def test_a_reader_that_keeps_the_wal_busy_is_reported(sqlite_room: tuple[Room, Path]) -> None:
    room, database = sqlite_room
    _a_month_of_cases(room, database)
    reader = sqlite3.connect(database, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM cases").fetchone()  # a page being read
        started = time.monotonic()
        report = purge_resolved(room.ctx, timedelta(days=30), wait_s=0.5)
        assert time.monotonic() - started < 10  # waited a bounded time, not for ever
        assert report.cases == 1
        assert len(report.warnings) == 1 and "write-ahead log" in report.warnings[0]
        assert KEY not in _dump(room)  # the rows are purged all the same
    finally:
        reader.close()
    # the next run, with nothing left to purge, finishes the job
    again = purge_resolved(room.ctx, timedelta(days=30), wait_s=0.5)
    assert (again.cases, again.warnings) == (0, [])
    assert _file_hits(database) == {}


# --- PostgreSQL: the row versions --------------------------------------------------------

@pytest.fixture
def pg_room(clean_pg: str, mock_log: Path) -> Iterator[Room]:
    tables = [table.name for table in Base.metadata.sorted_tables]
    with psycopg.connect(clean_pg, autocommit=True) as admin:
        admin.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        admin.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        # An autovacuum's ANALYZE holds a snapshot, which keeps old row versions from any
        # VACUUM for its while: off, so that what is measured is the purge's own doing.
        for table in tables:
            admin.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = off, "
                          "toast.autovacuum_enabled = off)")
    room = make_room(clean_pg, mock_log)
    yield room
    room.ctx.engine.dispose()
    with psycopg.connect(clean_pg, autocommit=True) as admin:
        for table in tables:
            admin.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled, "
                          "toast.autovacuum_enabled)")


def _relations(room: Room) -> list[str]:
    """The touched tables, their TOAST tables and every index of either."""
    found: list[str] = []
    with room.ctx.engine.connect() as conn:
        for table in TOUCHED:
            owners = [table, *conn.scalars(text(
                "SELECT reltoastrelid::regclass::text FROM pg_class "
                "WHERE oid = CAST(:t AS regclass) AND reltoastrelid <> 0"), {"t": table})]
            for owner in owners:
                found.append(owner)
                found.extend(conn.scalars(text(
                    "SELECT indexrelid::regclass::text FROM pg_index "
                    "WHERE indrelid = CAST(:t AS regclass)"), {"t": owner}))
    return found


def _dead_versions(room: Room) -> dict[str, int]:
    dead = {}
    with room.ctx.engine.connect() as conn:
        for relation in _relations(room):
            kind = conn.scalar(text("SELECT relkind FROM pg_class WHERE oid = "
                                    "CAST(:r AS regclass)"), {"r": relation})
            if kind in ("r", "t"):
                count = conn.scalar(text("SELECT dead_tuple_count FROM pgstattuple(:r)"),
                                    {"r": relation})
                if count:
                    dead[relation] = int(count)
    return dead


def _page_hits(room: Room) -> dict[str, dict[bytes, int]]:
    hits: dict[str, dict[bytes, int]] = {}
    with room.ctx.engine.connect() as conn:
        for relation in _relations(room):
            pages = conn.scalar(text("SELECT pg_relation_size(CAST(:r AS regclass)) / 8192"),
                                {"r": relation})
            for page in range(int(pages or 0)):
                raw = conn.scalar(text("SELECT get_raw_page(:r, :p)"),
                                  {"r": relation, "p": page})
                found = _hits(bytes(raw))
                if found:
                    hits[f"{relation}#{page}"] = found
    return hits


def _month_on(room: Room) -> None:
    old = _case(room, "carrier-13812345678-0001", OLD)
    _resolve(room, old, OLD)
    room.advance(days=29)
    _case(room, "open-1", OPEN)
    room.advance(days=2)


def test_postgresql_keeps_no_old_version_of_the_purged_rows(pg_room: Room) -> None:
    _month_on(pg_room)

    report = purge_resolved(pg_room.ctx, timedelta(days=30))

    assert report.cases == 1 and report.warnings == []
    assert _dead_versions(pg_room) == {}
    assert KEY not in _dump(pg_room) and OPEN["name"] in _dump(pg_room)


def test_vacuum_full_leaves_no_byte_of_the_purged_rows_in_postgresql(pg_room: Room) -> None:
    _month_on(pg_room)
    assert _page_hits(pg_room), "the test must start with the values in the pages"

    report = purge_resolved(pg_room.ctx, timedelta(days=30), vacuum=True)

    assert report.cases == 1 and report.warnings == []
    assert _page_hits(pg_room) == {}


def test_a_snapshot_older_than_the_purge_is_reported(pg_room: Room, clean_pg: str) -> None:
    _month_on(pg_room)
    with psycopg.connect(clean_pg) as reader:
        reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        reader.execute("SELECT count(*) FROM cases").fetchone()
        report = purge_resolved(pg_room.ctx, timedelta(days=30), wait_s=0.5)
        assert report.cases == 1
        assert len(report.warnings) == 1 and "snapshot" in report.warnings[0]
        reader.rollback()
    again = purge_resolved(pg_room.ctx, timedelta(days=30))
    assert (again.cases, again.warnings) == (0, [])
    assert _dead_versions(pg_room) == {}


# --- signal ids ----------------------------------------------------------------------------

def test_signal_ids_that_hold_the_number_are_replaced_everywhere(room: Room) -> None:
    case_id = _case(room, "carrier-13812345678-0001", OLD)
    assert room.signal("carrier-13812345678-0002", "scam_sms", msisdn=OLD["msisdn"],
                       sender="10690000") == case_id
    legacy = _as_stored_before_ids_per_feed(room, case_id, "carrier-13812345678-0002")
    _resolve(room, case_id, OLD)
    room.advance(days=1)
    assert KEY in _dump(room)

    report = purge_resolved(room.ctx, timedelta(days=0))

    assert report.signals == 2
    with room.ctx.sessions() as session:
        signals = list(session.scalars(select(SignalRow).where(SignalRow.case_id == case_id)))
        details = list(session.scalars(select(TimelineEntry.detail).where(
            TimelineEntry.case_id == case_id, TimelineEntry.type == "signal")))
        aggregate = session.get(CaseRow, case_id).aggregate  # type: ignore[union-attr]
    assert len(signals) == 2 and legacy not in {s.id for s in signals}
    for signal in signals:
        assert KEY not in signal.id and KEY not in signal.feed_id
        assert signal.feed_id.startswith("purged-")
        assert (signal.payload.get("id"), signal.payload.get("feed_id", signal.feed_id)) == (
            signal.id, signal.feed_id)
    assert len({s.feed_id for s in signals}) == 2
    # the case still lists its signals, under their new keys, and reads them
    assert sorted(aggregate["signal_ids"]) == sorted(s.id for s in signals)
    assert len(room.case(case_id).signal_ids) == 2
    # the timeline still says which signal scored what, by its new id
    assert len(details) == 2
    assert all(any(s.feed_id in d or s.id in d for s in signals) for d in details), details
    assert KEY not in _dump(room)


def _as_stored_before_ids_per_feed(room: Room, case_id: str, feed_id: str) -> str:
    """Turn a signal into one stored before ids were per feed: its key is the feed's id."""
    with room.ctx.sessions.begin() as session:
        signal = session.scalars(select(SignalRow).where(SignalRow.feed_id == feed_id)).one()
        row = session.get(CaseRow, case_id)
        assert row is not None
        key = signal.id
        session.execute(update(SignalRow).where(SignalRow.id == key).values(
            id=feed_id, payload={**signal.payload, "id": feed_id}))
        row.aggregate = {**row.aggregate, "signal_ids": [
            feed_id if signal_id == key else signal_id
            for signal_id in row.aggregate["signal_ids"]]}
    return feed_id


# --- the audit trail ------------------------------------------------------------------------

def test_the_audit_trail_keeps_no_trace_of_a_purged_person(room: Room) -> None:
    case_id = _case(room, "old-1", OLD)
    _resolve(room, case_id, OLD)
    room.advance(days=1)
    # Rows about no purged case or delivery, written by hand or by earlier versions.
    audit(room.ctx, ADMIN, "console_audit", "audit",
          filters={"actor": "", "action": "", "target": "+86 138 1234 5678"})
    audit(room.ctx, ADMIN, "console_audit", "audit",
          filters={"actor": "", "action": "", "target": OLD["name"]})
    audit(room.ctx, Principal("cui", "officer"), "not_found", "/v1/cases/13812345678",
          status=404)
    with room.ctx.sessions.begin() as session:
        session.add(Audit(at=room.now, actor="１３８.１２３４.５６７８", action="login_failed",
                          target="console", detail=json.dumps({"reason": "unknown user"})))
        session.add(Audit(at=room.now, actor="boss", action="console_audit", target="audit",
                          detail=json.dumps({"filters": {"target": OLD["location"]},
                                             "seen": [OLD["student_no"]]})))
    audit(room.ctx, ADMIN, "console_audit", "audit",
          filters={"actor": "", "action": "", "target": RECENT["msisdn"]})
    with room.ctx.sessions() as session:
        before = session.execute(select(Audit.id, Audit.at, Audit.action).order_by(
            Audit.id)).all()

    report = purge_resolved(room.ctx, timedelta(days=0))

    assert report.audit >= 6
    with room.ctx.sessions() as session:
        rows = list(session.scalars(select(Audit).order_by(Audit.id)))
    assert [(row.id, row.at, row.action) for row in rows] == [tuple(r) for r in before]
    for row in rows:
        for value in (row.actor, row.target, row.detail,
                      json.dumps(json.loads(row.detail), ensure_ascii=False)
                      if row.detail.startswith("{") else ""):
            assert KEY not in _digits_of(value), row
            for key in ("name", "student_no", "location"):
                assert OLD[key] not in value, row
    assert {row.actor for row in rows if row.action == "console_audit"} == {"boss"}
    assert RECENT["msisdn"] in _dump(room)  # not purged: not touched
    assert KEY not in _dump(room)


def test_an_admins_search_for_a_number_is_written_down_masked(api: Api) -> None:
    admin = person(api, "boss", "admin")
    for term in ("+86 138-1234-5678", "１３８１２３４５６７８", "138\u200b1234\u200b5678"):
        assert admin.get("/audit", target=term).status_code == 200
    assert admin.get("/audit", target="3f2a81b9c0d4e5f6").status_code == 200
    with api.ctx.reads() as session:
        rows = list(session.scalars(select(Audit).where(
            Audit.action == "console_audit").order_by(Audit.id)))
    assert [row.actor for row in rows] == ["boss"] * 4
    targets = [json.loads(row.detail)["filters"]["target"] for row in rows]
    assert targets == ["138****5678"] * 3 + ["3f2a81b9c0d4e5f6"]
    assert all(KEY not in _digits_of(row.detail) for row in rows)


def test_an_audit_search_in_chinese_numerals_is_purged(room: Room) -> None:
    case_id = _case(room, "old-1", OLD)
    _resolve(room, case_id, OLD)
    room.advance(days=1)
    _searched_in_numerals(room)

    report = purge_resolved(room.ctx, timedelta(days=0))

    assert report.cases == 1 and report.audit >= 3
    with room.ctx.sessions() as session:
        rows = list(session.scalars(select(Audit).where(Audit.action == "console_audit")))
    assert len(rows) == 3
    for row in rows:
        assert row.target == REDACTED or KEY not in as_digits(row.target), row
        assert KEY not in as_digits(json.dumps(json.loads(row.detail), ensure_ascii=False))
    assert CHINESE not in _dump(room) and KEY not in as_digits(normalised(_dump(room)))


def test_no_file_of_a_sqlite_database_keeps_a_search_in_chinese_numerals(
        sqlite_room: tuple[Room, Path]) -> None:
    room, database = sqlite_room
    _a_month_of_cases(room, database)
    _searched_in_numerals(room)
    _checkpoint(database)

    report = purge_resolved(room.ctx, timedelta(days=30))

    assert report.cases == 1 and report.warnings == []
    assert _file_hits(database) == {}


def _searched_in_numerals(room: Room) -> None:
    """An admin's searches of the audit page for OLD's number, typed as said: the target
    written as typed, in a JSON detail plain and escaped."""
    with room.ctx.sessions.begin() as session:
        for target, detail in (
                (CHINESE, json.dumps({"filters": {"target": CHINESE}}, ensure_ascii=False)),
                ("audit", json.dumps({"filters": {"target": CHINESE}})),
                ("一三八 一二三四 五六七八", "{}")):
            session.add(Audit(at=room.now, actor="boss", action="console_audit",
                              target=target, detail=detail))


# --- what other cases say of a purged person ------------------------------------------------

NAMESAKE = {"msisdn": "+8613600003333", "name": OLD["name"]}


def _noted_on_another_case(room: Room) -> str:
    """OLD's case, resolved and purgeable, and an open case of someone else (OLD's
    brother's, say) on which officers wrote OLD's number, as said and as typed, and OLD's
    name; its callback went out naming OLD's number and failed with it. Returns that case."""
    old = _case(room, "old-1", OLD)
    _resolve(room, old, OLD)
    room.advance(days=1)
    other = _case(room, "open-1", OPEN)
    flash, callback = room.deliveries(other)
    _, work = actions.report_result(room.ctx, flash.id, "delivered", "cui",
                                    f"另一案: 机主弟弟 {OLD['msisdn'][3:]} / {CHINESE}")
    room.runtime.run_now(work)
    with room.ctx.sessions.begin() as session:
        session.add(TimelineEntry(case_id=other, at=room.now, type="declined", actor="cui",
                                  detail=f"stage 1 declined — {OLD['name']} 的哥哥已到场"))
        session.add(TimelineEntry(case_id=other, at=room.now, type="duty_page",
                                  actor="system", detail=f"paged cui: ring {LOOKALIKE}"))
        session.execute(update(Delivery).where(Delivery.id == callback.id).values(
            body=f"{callback.body}\n关系人 {CHINESE}", last_error=f"gateway: {LOOKALIKE} busy"))
    return other


def _what_is_written(room: Room, case_id: str) -> tuple[list[str], list[str | None],
                                                        list[tuple[str, str, str | None]]]:
    with room.ctx.sessions() as session:
        timeline = list(session.scalars(select(TimelineEntry.detail).where(
            TimelineEntry.case_id == case_id).order_by(TimelineEntry.id)))
        notes = list(session.scalars(select(DeliveryResult.note).join(
            Delivery, Delivery.id == DeliveryResult.delivery_id).where(
            Delivery.case_id == case_id).order_by(DeliveryResult.id)))
        deliveries = [tuple(row) for row in session.execute(select(
            Delivery.state, Delivery.body, Delivery.last_error).where(
            Delivery.case_id == case_id).order_by(Delivery.id))]
    return timeline, notes, deliveries  # type: ignore[return-value]


def test_what_other_cases_say_of_a_purged_person_is_purged(room: Room) -> None:
    other = _noted_on_another_case(room)
    timeline, _, _ = _what_is_written(room, other)
    flash, callback = room.deliveries(other)

    report = purge_resolved(room.ctx, timedelta(days=0))

    assert report.cases == 1 and report.warnings == []
    dump = _dump(room)
    assert KEY not in as_digits(normalised(dump)) and CHINESE not in dump
    for key in ("name", "student_no", "location"):
        assert OLD[key] not in dump, key
    assert report.elsewhere == 5  # a note, three timeline entries, a delivery
    # the other case still says what happened, and about whom
    after, notes, deliveries = _what_is_written(room, other)
    assert notes == [REDACTED]
    assert f"闪信 {flash.id}：已送达 — {REDACTED}" in after
    assert f"stage 1 declined — {REDACTED}" in after and after[-1] == REDACTED
    assert after[:2] == timeline[:2]  # signal, dispatched: nothing of OLD's
    assert deliveries[1] == (callback.state, REDACTED, REDACTED)
    assert deliveries[0][1] == flash.body
    assert room.row(other).msisdn == OPEN["msisdn"] and OPEN["name"] in dump
    assert purge_resolved(room.ctx, timedelta(days=0)).elsewhere == 0


def test_no_file_of_a_sqlite_database_keeps_what_other_cases_said(
        sqlite_room: tuple[Room, Path]) -> None:
    room, database = sqlite_room
    _noted_on_another_case(room)
    _checkpoint(database)
    assert _file_hits(database), "the test must start with the values in the files"

    report = purge_resolved(room.ctx, timedelta(days=0))

    assert report.cases == 1 and report.warnings == []
    assert _file_hits(database) == {}


def test_postgresql_keeps_no_page_of_what_other_cases_said(pg_room: Room) -> None:
    _noted_on_another_case(pg_room)
    assert _page_hits(pg_room), "the test must start with the values in the pages"

    report = purge_resolved(pg_room.ctx, timedelta(days=0), vacuum=True)

    assert report.cases == 1 and report.warnings == []
    assert _page_hits(pg_room) == {}


def test_a_later_case_of_the_same_person_and_a_namesakes_keep_what_is_theirs(
        room: Room) -> None:
    old = _case(room, "old-1", OLD)
    _resolve(room, old, OLD)
    room.advance(days=1)
    again = _case(room, "old-2", OLD)
    namesake = _case(room, "other-1", NAMESAKE)
    assert len({old, again, namesake}) == 3
    for case_id, note in ((again, f"{OLD['name']} 回电 {CHINESE}"),
                          (namesake, f"{OLD['name']} 本人到校"),
                          (namesake, f"{OLD['name']} 说另一个 {CHINESE} 是同名")):
        flash = room.deliveries(case_id, "flash_sms")[0]
        actions.report_result(room.ctx, flash.id, "delivered", "cui", note)
    before = {case_id: _what_is_written(room, case_id) for case_id in (again, namesake)}

    report = purge_resolved(room.ctx, timedelta(days=0))

    assert report.cases == 1 and report.elsewhere == 2  # the namesake's second note
    assert _what_is_written(room, again) == before[again]
    timeline, notes, deliveries = _what_is_written(room, namesake)
    assert notes == [f"{OLD['name']} 本人到校", REDACTED]
    assert timeline[-2].endswith(f"— {OLD['name']} 本人到校")
    assert timeline[-1].endswith(f"：已送达 — {REDACTED}")
    assert deliveries == before[namesake][2]
    assert room.row(again).msisdn == OLD["msisdn"]


def test_a_message_still_to_be_sent_holds_back_the_case_it_mentions(room: Room) -> None:
    old = _case(room, "old-1", OLD)
    _resolve(room, old, OLD)
    room.advance(days=1)
    other = _case(room, "open-1", OPEN)
    callback = room.deliveries(other, "callback_96110")[0]
    body = f"{callback.body}\n关系人 {OLD['msisdn']}"
    with room.ctx.sessions.begin() as session:
        session.execute(update(Delivery).where(Delivery.id == callback.id).values(
            state="queued", body=body))

    report = purge_resolved(room.ctx, timedelta(days=0))

    assert (report.cases, report.deferred) == (0, 1)
    assert len(report.warnings) == 1 and "waiting to be sent" in report.warnings[0]
    assert room.deliveries(other, "callback_96110")[0].body == body  # it still warns
    assert room.row(old).msisdn == OLD["msisdn"]  # and OLD's case waits, whole
    with room.ctx.sessions.begin() as session:
        session.execute(update(Delivery).where(Delivery.id == callback.id).values(
            state="sent"))
    again = purge_resolved(room.ctx, timedelta(days=0))
    assert (again.cases, again.deferred, again.warnings) == (1, 0, [])
    assert room.deliveries(other, "callback_96110")[0].body == REDACTED
    assert KEY not in _dump(room)


# --- the number in any spelling --------------------------------------------------------------

@pytest.mark.parametrize("spelling", [
    "+8613812345678", "13812345678", "8613812345678", "0086 138 1234 5678",
    "１３８１２３４５６７８", "138.1234.5678", "138/1234/5678", "(138) 1234-5678",
    "138\u200b1234\u2060\u200d5678", "138\u00a01234\u30005678", "１３８－１２３４－５６７８",
    "\u0661\u0663\u0668\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668",
    "tel:+86 (138) 1234 5678", "carrier-13812345678-0001", "电话13812345678号",
    "carrier13812345678x"])
def test_the_number_is_seen_in_every_spelling(spelling: str) -> None:
    assert Mentions(OLD)(f"call {spelling} now")


@pytest.mark.parametrize("spelling", [
    CHINESE, "壹叁捌壹贰叁肆伍陆柒捌", "幺三八幺两三四五六七八", "一三八 一二三四 五六七八",
    "电话一三八一二三四五六七八号", "l38l2345678", LOOKALIKE, "I38 I234 5678",
    "一3八-l234-五六7八", "尾号一二三四五六七八"])
def test_the_number_is_seen_said_in_numerals_and_typed_with_letters(spelling: str) -> None:
    assert Mentions(OLD)(f"call {spelling} now")
    assert Mentions(OLD)(spelling)


@pytest.mark.parametrize("spelling", [
    "138、1234、5678", "138:1234:5678", "138*1234*5678", "138•1234•5678", "138，1234，5678",
    "138     1234     5678", "138\n\n\n\n\n1234\n\n\n\n\n5678", "138\n       1234\n       5678",
    "138 -- / - 1234 -- / - 5678", "1\u03013\u03018\u0301 1\u03012\u03013\u03014\u0301"
    "5\u03016\u03017\u03018\u0301", "1\ufe0f\u20e33\ufe0f\u20e38\ufe0f\u20e3 1\u20e32\u20e3"
    "3\u20e34\u20e3 5\u20e36\u20e37\u20e38\u20e3", "1\u0301\u20e3、3\u0301\u20e3、8 1234 5678"])
def test_the_number_is_seen_whatever_stands_between_its_digits(spelling: str) -> None:
    assert Mentions(OLD)(f"机主 {spelling} 已联系")


@pytest.mark.parametrize("text_", [
    "138****5678", "2026-03-01T02:00:00+00:00", "13812345679", "case 3f2a81b9c0d4e5f6",
    "李某某 +8613900001111", "case a12345678bc0d4e5", "一二三四五六七", "138 转 1234 转 567",
    "1234         5678", "hello world, lol: Oslo", "13900001234-5678", "order 98761234-5678"])
def test_what_is_not_the_person_is_left(text_: str) -> None:
    assert not Mentions(OLD)(text_)


def test_what_a_case_shares_with_a_purged_person_is_its_own() -> None:
    mentions = Mentions(OLD, shortest=2)
    # another number with the same last 8 digits, the same name
    own = mentions.own({"msisdn": "+8615912345678", "name": OLD["name"]})
    assert own is not None and mentions.own(OPEN) is None
    assert mentions(f"机主 1234 5678 {OLD['name']}") and not mentions(
        f"机主 1234 5678 {OLD['name']}", own)
    assert mentions("弟弟 13812345678", own) and mentions(f"学号 {OLD['student_no']}", own)


def test_a_student_number_is_seen_in_numerals() -> None:
    assert Mentions(OLD)("学号二〇二三-〇四一二的学生")


def test_names_are_seen_without_spaces_and_in_full_width() -> None:
    mentions = Mentions({"msisdn": "+8613812345678", "name": "Guo Moumou",
                         "location": "万州区北滨路"})
    assert mentions("reached ｇｕｏ moumou at home") and mentions("at 万州区 北滨路 bank")
    assert not mentions("Guo alone")


def test_other_spellings_are_purged_from_what_the_case_kept(room: Room) -> None:
    case_id = room.signal("old-1", "scam_site_visit", msisdn=OLD["msisdn"],
                          subject={"district": "wanzhou", "school": "sanxia-med"},
                          url="hxxp://pay[.]cn", contact="１３８.1234.5678")
    assert case_id is not None
    _resolve(room, case_id, OLD)
    with room.ctx.sessions.begin() as session:
        session.add(TimelineEntry(case_id=case_id, at=room.now, type="delivery_failed",
                                  actor="system", detail="to 138/1234/5678 failed"))
    room.advance(days=1)

    purge_resolved(room.ctx, timedelta(days=0))

    dump = normalised(_dump(room))
    for spelling in (KEY, "1234.5678", "1234/5678"):
        assert spelling not in dump, spelling
    assert "hxxp://pay[.]cn" in dump  # what is not about the person stays



# --- the duty room's case notes and shift log ---------------------------------------------

def _notes_and_shift_log(room: Room) -> tuple[str, str]:
    """OLD's purgeable case with notes of its own; an open case whose notes mention OLD
    (and one that does not); a shift log that mentions OLD, and one entry that does not.
    Returns (OLD's case, the open case)."""
    old = _case(room, "old-1", OLD)
    desk.add_note(room.ctx, old, "cui", f"已联系{OLD['name']}的辅导员，学号{OLD['student_no']}")
    _resolve(room, old, OLD)
    room.advance(days=1)
    other = _case(room, "open-1", OPEN)
    desk.add_note(room.ctx, other, "cui", f"机主弟弟的号码 １３８－１２３４－５６７８ ({CHINESE})")
    desk.add_note(room.ctx, other, "cui", "家属已到场")
    officer = Principal("cui", "officer", district="wanzhou")
    desk.write_entry(room.ctx, officer, f"22:10 {OLD['name']}家属来电 {LOOKALIKE}",
                     handover=False)
    desk.write_entry(room.ctx, officer, "两件待确认已核实", handover=True)
    return old, other


def _notes_of(room: Room, case_id: str) -> list[str]:
    with room.ctx.sessions() as session:
        return list(session.scalars(select(CaseNote.text).where(CaseNote.case_id == case_id)
                                    .order_by(CaseNote.id)))


def test_case_notes_and_the_shift_log_keep_nothing_of_a_purged_person(room: Room) -> None:
    old, other = _notes_and_shift_log(room)

    report = purge_resolved(room.ctx, timedelta(days=0))

    assert report.cases == 1 and report.warnings == []
    assert _notes_of(room, old) == []
    assert _notes_of(room, other) == [REDACTED, "家属已到场"]
    with room.ctx.sessions() as session:
        assert list(session.scalars(select(ShiftEntry.text).order_by(ShiftEntry.id))) == [
            REDACTED, "两件待确认已核实"]
    dump = _dump(room)
    assert KEY not in as_digits(normalised(dump)) and CHINESE not in dump
    for key in ("name", "student_no"):
        assert OLD[key] not in dump, key
    assert {"case_notes", "shift_log"} <= set(TOUCHED)


def test_a_note_written_during_the_purge_is_scrubbed_too(room: Room,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    old = _case(room, "old-1", OLD)
    _resolve(room, old, OLD)
    room.advance(days=1)
    other = _case(room, "open-1", OPEN)
    officer = Principal("cui", "officer", district="wanzhou")
    searched = purge_module._scrub_other_cases

    def then_an_officer_types(*args: Any) -> None:
        # The round's search is over; before the case's batch, an officer writes OLD's
        # number into another case's note and into the shift log.
        searched(*args)
        desk.add_note(room.ctx, other, "cui", f"问过 {OLD['msisdn']}")
        desk.write_entry(room.ctx, officer, f"{OLD['name']}来电", handover=False)

    monkeypatch.setattr(purge_module, "_scrub_other_cases", then_an_officer_types)
    assert purge_resolved(room.ctx, timedelta(days=0)).cases == 1
    assert _notes_of(room, other) == [REDACTED]
    with room.ctx.sessions() as session:
        assert list(session.scalars(select(ShiftEntry.text))) == [REDACTED]


def test_no_file_of_a_sqlite_database_keeps_the_notes_or_the_shift_log(
        sqlite_room: tuple[Room, Path]) -> None:
    room, database = sqlite_room
    _notes_and_shift_log(room)
    _checkpoint(database)
    assert _file_hits(database), "the test must start with the values in the files"

    report = purge_resolved(room.ctx, timedelta(days=0))

    assert report.cases == 1 and report.warnings == []
    assert _file_hits(database) == {}
