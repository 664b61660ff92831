"""`warn purge --older-than DAYS` on SQLite and PostgreSQL: the people in old resolved cases
are forgotten everywhere in the database; the anonymous facts stay; nothing else changes."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text

from tests.integration.service_harness import Room, make_room
from warn.access.audit import audit
from warn.access.principal import Principal
from warn.service import actions
from warn.service.purge import purge_resolved
from warn.store.db import upgrade
from warn.store.models import Base, CaseRow, Delivery, DeliveryResult, TimelineEntry

OLD = {"msisdn": "+8613812345678", "name": "郭某某", "student_no": "2023-0412",
       "location": "万州区北滨路工商银行大厅"}
RECENT = {"msisdn": "+8613900001111", "name": "李某某"}
OPEN = {"msisdn": "+8613700002222", "name": "王某某"}


def _case(room: Room, signal_id: str, person: dict[str, str]) -> str:
    subject = {key: value for key, value in person.items() if key != "msisdn"}
    case_id = room.signal(signal_id, "scam_site_visit", msisdn=person["msisdn"],
                          subject={"district": "wanzhou", "school": "sanxia-med", **subject},
                          url="hxxp://pay[.]cn", note=f"seen near {person['name']}")
    assert case_id is not None
    return case_id


def _resolve(room: Room, case_id: str, person: dict[str, str]) -> None:
    room.answer(case_id, "callback_96110", "hung_up")  # the school is told: name in body
    school = room.deliveries(case_id, "school_group")[-1]
    actions.report_result(room.ctx, school.id, "dissuaded", "sanxia-security",
                          f"{person['name']} ({person['msisdn']}) 已劝阻")
    officer = Principal("cui", "officer", district="wanzhou")
    audit(room.ctx, officer, "result", school.id, note=f"call {person['msisdn'][3:]}")
    audit(room.ctx, officer, "read_case", case_id)


def _dump(room: Room) -> str:
    """Every value of every table, as one text (JSON columns as stored)."""
    with room.ctx.engine.connect() as conn:
        return "\n".join(str(tuple(row)) for table in Base.metadata.sorted_tables
                         for row in conn.execute(text(f"SELECT * FROM {table.name}")))


def _facts(room: Room, case_id: str) -> tuple[object, ...]:
    with room.ctx.sessions() as session:
        row = session.get(CaseRow, case_id)
        assert row is not None
        deliveries = session.execute(select(Delivery.channel, Delivery.state, Delivery.stage,
                                            Delivery.created_at).where(
            Delivery.case_id == case_id).order_by(Delivery.id)).all()
        results = session.scalars(select(DeliveryResult.result).join(
            Delivery, Delivery.id == DeliveryResult.delivery_id).where(
            Delivery.case_id == case_id)).all()
        timeline = session.scalars(select(TimelineEntry.type).where(
            TimelineEntry.case_id == case_id).order_by(TimelineEntry.id)).all()
        return (row.state, row.outcome, row.tier, row.score, row.district, row.school,
                row.opened_at, row.resolved_at, deliveries, sorted(results), timeline)


def test_purge_forgets_old_resolved_cases_and_keeps_their_counts(room: Room) -> None:
    old = _case(room, "old-1", OLD)
    _resolve(room, old, OLD)
    room.advance(days=29)
    recent = _case(room, "recent-1", RECENT)
    _resolve(room, recent, RECENT)
    room.advance(days=2)
    still_open = _case(room, "open-1", OPEN)
    before = {case_id: _facts(room, case_id) for case_id in (old, recent, still_open)}
    dump = _dump(room)
    for value in (*OLD.values(), "12345678"):
        assert value in dump  # what the purge must remove is really there

    report = purge_resolved(room.ctx, timedelta(days=30))

    assert (report.cases, report.signals) == (1, 1) and report.deliveries >= 3
    assert report.audit >= 1 and report.warnings == []  # the result's note, files cleared
    dump = _dump(room)
    for value in (*OLD.values(), "12345678", "1234 5678"):
        assert value not in dump, value
    for value in (*RECENT.values(), *OPEN.values()):
        assert value in dump, f"{value} is not old enough to go"
    assert {case_id: _facts(room, case_id) for case_id in (old, recent, still_open)} == before
    assert purge_resolved(room.ctx, timedelta(days=30)).cases == 0  # done once, for good


def test_a_purged_case_still_reads_and_counts(room: Room) -> None:
    case_id = _case(room, "old-1", OLD)
    _resolve(room, case_id, OLD)
    room.advance(days=1)
    assert purge_resolved(room.ctx, timedelta(days=0)).cases == 1
    case = room.case(case_id)
    assert case.subject.msisdn == "" and case.subject.name is None
    assert (case.subject.district, case.subject.school) == ("wanzhou", "sanxia-med")
    assert case.state == "resolved" and case.outcome == "dissuaded"
    assert [d.channel for d in room.deliveries(case_id)] == [
        "flash_sms", "callback_96110", "school_group"]
    # a late result on a purged case is recorded and brings nothing back
    flash = room.deliveries(case_id, "flash_sms")[0]
    actions.report_result(room.ctx, flash.id, "read", "cui", None)
    assert OLD["name"] not in _dump(room) and "12345678" not in _dump(room)
    # and a note written on it now is not kept: the person it was about is forgotten
    actions.report_result(room.ctx, flash.id, "read", "cui", f"{OLD['name']} 回电 13812345678")
    assert OLD["name"] not in _dump(room) and "回电" not in _dump(room)


def test_the_command_purges_and_says_what_it_kept(tmp_path: Path, mock_log: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warn.db'}"
    upgrade(url)
    room = make_room(url, mock_log)
    room.now = datetime.now(UTC) - timedelta(minutes=5)  # the command runs on the real clock
    case_id = _case(room, "old-1", OLD)
    _resolve(room, case_id, OLD)
    room.ctx.engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARN_")}
    env["WARN_DATABASE_URL"] = url

    def purge(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "warn", "purge", *args], env=env,
                              capture_output=True, text=True, timeout=60, check=False)

    assert purge().returncode == 2  # --older-than is required
    assert purge("--older-than", "-1").returncode == 2
    kept = purge("--older-than", "30")
    assert kept.returncode == 0 and "of 0 cases" in kept.stdout, kept.stderr
    done = purge("--older-than", "0")
    assert done.returncode == 0 and "of 1 cases" in done.stdout, done.stderr
    assert "anonymous counts are kept" in done.stdout
    assert OLD["name"] not in _dump(room)
