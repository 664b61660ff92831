"""The store on SQLite and on a real PostgreSQL: migrations, schema, constraints, time."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import redis
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from warn.store import is_sqlite, make_engine, normalize_url, session_factory, upgrade
from warn.store.db import alembic_config
from warn.store.models import Audit, Base, CaseRow, Delivery, SignalRow, Timer

T0 = datetime(2026, 2, 23, 10, 43, tzinfo=UTC)
BEIJING = timezone(timedelta(hours=8))


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest) -> str:
    """A database of each kind with nothing in it, not even Alembic's table."""
    name = "sqlite_url" if request.param == "sqlite" else "fresh_pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def _revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _case(case_id: str, msisdn: str, state: str = "open") -> CaseRow:
    return CaseRow(
        id=case_id,
        msisdn=msisdn,
        state=state,
        tier="medium",
        score=60,
        opened_at=T0,
        updated_at=T0,
        last_signal_at=T0,
        aggregate={"stages": []},
    )


# --- migrations ---------------------------------------------------------------


def test_upgrade_reaches_head_and_twice_is_a_no_op(empty_url: str) -> None:
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        assert _revision(engine) == _head()
        with session_factory(engine).begin() as db:
            db.add(_case("c1", "+8613800000001"))
        upgrade(empty_url)
        assert _revision(engine) == _head()
        with session_factory(engine)() as db:
            assert db.scalar(select(func.count()).select_from(CaseRow)) == 1
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(empty_url: str) -> None:
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def _index_definitions(engine: Engine) -> dict[str, str]:
    if is_sqlite(engine):
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    else:
        query = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
    with engine.connect() as conn:
        rows = conn.execute(text(query)).all()
    return {name: " ".join(sql.split()) for name, sql in rows if "alembic" not in name}


def _assert_indexes_match_models(migrated: Engine, reference_url: str) -> None:
    # compare_metadata does not look at partial-index predicates; each database's
    # own rendering of every index does.
    reference = make_engine(reference_url)
    try:
        Base.metadata.create_all(reference)
        assert _index_definitions(migrated) == _index_definitions(reference)
    finally:
        reference.dispose()


def test_sqlite_indexes_equal_those_of_the_models(sqlite_url: str, tmp_path: Path) -> None:
    upgrade(sqlite_url)
    migrated = make_engine(sqlite_url)
    try:
        _assert_indexes_match_models(migrated, f"sqlite:///{tmp_path / 'reference.db'}")
    finally:
        migrated.dispose()


def test_postgresql_indexes_equal_those_of_the_models(pg_engine: Engine, fresh_pg_url: str) -> None:
    _assert_indexes_match_models(pg_engine, fresh_pg_url)


def test_processes_upgrading_at_once_on_postgresql_serialise(fresh_pg_url: str) -> None:
    # Several `warn` processes starting together on an empty database: without the
    # advisory lock, all but one fail on duplicate tables.
    code = "import sys; from warn.store import upgrade; upgrade(sys.argv[1])"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, fresh_pg_url], stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    failures = [p.stderr.read().decode() for p in procs if p.wait(120) != 0 and p.stderr]
    assert failures == []
    engine = make_engine(fresh_pg_url)
    try:
        assert _revision(engine) == _head()
    finally:
        engine.dispose()


# --- constraints and types -----------------------------------------------------


def test_one_open_case_per_msisdn(engine: Engine) -> None:
    sessions = session_factory(engine)
    with sessions.begin() as db:
        db.add(_case("c1", "+8613800000001"))
        db.add(_case("old", "+8613800000001", state="resolved"))
    with pytest.raises(IntegrityError), sessions.begin() as db:
        db.add(_case("c2", "+8613800000001"))
    with sessions.begin() as db:
        db.add(_case("c3", "+8613800000001", state="resolved"))
        db.add(_case("c4", "+8613800000002"))
    with sessions.begin() as db:
        db.get_one(CaseRow, "c1").state = "resolved"
        db.flush()
        db.add(_case("c5", "+8613800000001"))
    with sessions() as db:
        open_ids = db.scalars(select(CaseRow.id).where(CaseRow.state == "open")).all()
    assert sorted(open_ids) == ["c4", "c5"]


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    delivery = Delivery(
        id="d1",
        case_id="nope",
        stage=0,
        channel="flash_sms",
        recipient="+8613800000001",
        body="x",
        created_at=T0,
    )
    with pytest.raises(IntegrityError), session_factory(engine).begin() as db:
        db.add(delivery)


def test_times_come_back_aware_utc_and_compare_in_utc(engine: Engine) -> None:
    sessions = session_factory(engine)
    local = datetime(2026, 2, 23, 18, 43, 5, 123456, tzinfo=BEIJING)
    with sessions.begin() as db:
        db.add(_case("c1", "+8613800000001"))
        db.add(Timer(case_id="c1", due_at=local))
    with sessions() as db:
        due = db.scalars(select(Timer.due_at)).one()
        assert due == local and due.tzinfo == UTC
        assert due.hour == 10 and due.microsecond == 123456
        # The bound parameter is converted too, whatever zone it came in.
        earlier = local - timedelta(seconds=1)
        assert db.scalar(select(func.count()).where(Timer.due_at > earlier)) == 1
        assert db.scalar(select(func.count()).where(Timer.due_at > local)) == 0


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(StatementError) as caught, session_factory(engine).begin() as db:
        db.add(
            Audit(at=datetime(2026, 2, 23, 10, 43), actor="a", action="x", target="t", detail="")
        )
    assert isinstance(caught.value.orig, ValueError)
    assert "naive" in str(caught.value.orig)


def test_json_payload_round_trips(engine: Engine) -> None:
    payload = {"subject": {"name": "郭某", "msisdn": "+8613812345678"}, "attributes": {"n": 1}}
    with session_factory(engine).begin() as db:
        db.add(
            SignalRow(
                id="s1",
                feed_id="s1",
                kind="scam_sms",
                observed_at=T0,
                received_at=T0,
                msisdn="+86138",
                content_hash="0" * 64,
                payload=payload,
            )
        )
    with session_factory(engine)() as db:
        row = db.get_one(SignalRow, "s1")
        assert row.payload == payload and row.state == "received" and row.case_id is None


def test_autoincrement_ids_grow(engine: Engine) -> None:
    with session_factory(engine).begin() as db:
        rows = [Audit(at=T0, actor="a", action="x", target="t", detail="") for _ in range(3)]
        db.add_all(rows)
    assert [row.id for row in rows] == [1, 2, 3]


# --- SQLite under threads --------------------------------------------------------


def test_sqlite_writers_in_threads_queue_instead_of_failing(sqlite_url: str) -> None:
    # Read-then-write in each transaction: with SQLite's deferred BEGIN, two such
    # transactions deadlock on the lock upgrade and one gets "database is locked".
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    sessions = session_factory(engine)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                with sessions.begin() as db:
                    count = db.scalar(select(func.count()).select_from(Audit))
                    db.add(
                        Audit(at=T0, actor=f"w{n}", action="x", target=str(i), detail=str(count))
                    )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    try:
        assert errors == []
        with sessions() as db:
            assert db.scalar(select(func.count()).select_from(Audit)) == 90
            # Serialised: each transaction saw every earlier commit.
            seen = sorted(int(d) for d in db.scalars(select(Audit.detail)))
        assert seen == list(range(90))
    finally:
        engine.dispose()


def test_sqlite_engine_settings(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        assert is_sqlite(engine)
        with engine.connect() as conn:
            pragma = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
        assert pragma == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": 30000,
            "synchronous": 1,
        }
    finally:
        engine.dispose()


def test_postgresql_engine(pg_engine: Engine) -> None:
    assert not is_sqlite(pg_engine)
    assert pg_engine.dialect.driver == "psycopg"


# --- URLs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://warn@db:5432/warn", "postgresql+psycopg://warn@db:5432/warn"),
        ("postgres://u:p@h/d?sslmode=require", "postgresql+psycopg://u:p@h/d?sslmode=require"),
        ("postgresql+psycopg://h/d", "postgresql+psycopg://h/d"),
        ("postgresql+psycopg2://h/d", "postgresql+psycopg2://h/d"),
        ("sqlite:///warn.db", "sqlite:///warn.db"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_normalize_url(given: str, expected: str) -> None:
    assert normalize_url(given) == expected


# --- the shared fixtures themselves ------------------------------------------------------


def test_redis_url_is_a_db_of_this_run_alone(redis_url: str) -> None:
    base, _, number = redis_url.rpartition("/")
    assert 1 <= int(number) <= 15
    claims = redis.Redis.from_url(f"{base}/0")
    own = redis.Redis.from_url(redis_url)
    try:
        assert claims.get(f"warn-test-db:{number}") == str(os.getpid()).encode()
        own.set("probe", "1")
        assert claims.get("probe") is None
        own.delete("probe")
    finally:
        own.close()
        claims.close()


def test_mock_log_points_the_gateways_at_a_fresh_file(mock_log: Path) -> None:
    assert os.environ["WARN_MOCK_LOG"] == str(mock_log)
    assert not mock_log.exists()
    assert not {"WARN_MOCK_FAIL_RATE", "WARN_MOCK_DOWN", "WARN_MOCK_LATENCY_MS"} & set(os.environ)
