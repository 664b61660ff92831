"""Shared fixtures: real PostgreSQL and Redis, isolated per test run.

Each run gets its own PostgreSQL database and its own Redis db number, so two
runs on one machine (a developer's and CI's) never see each other's rows or keys.
The services must be up (`.ci/run` makes sure of it): when they are not, the
tests that need them fail with a message saying so, never skip.
"""

from __future__ import annotations

import importlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from sqlalchemy import Engine, text

from warn.store.db import make_engine, upgrade
from warn.store.models import Base

PG_ADMIN_URL = os.environ.get("WARN_TEST_PG", "postgresql://127.0.0.1:5432/test")
REDIS_ADMIN_URL = os.environ.get("WARN_TEST_REDIS", "redis://127.0.0.1:6379")
HINT = "start the services (see .ci/run) or point WARN_TEST_PG / WARN_TEST_REDIS elsewhere"


def _pg_admin() -> psycopg.Connection:
    try:
        return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL unreachable at {PG_ADMIN_URL}: {exc}\n{HINT}", pytrace=False)


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def _pg_databases() -> Iterator[list[str]]:
    """Names of the databases this run made; all dropped at its end."""
    names: list[str] = []
    yield names
    if names:
        with _pg_admin() as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _create_database(names: list[str]) -> str:
    name = f"warn_t_{os.getpid()}_{secrets.token_hex(4)}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    names.append(name)
    return _with_database(PG_ADMIN_URL, name)


@pytest.fixture(scope="session")
def pg_url(_pg_databases: list[str]) -> str:
    """A PostgreSQL database of this run's own, empty (not migrated), plain URL form."""
    return _create_database(_pg_databases)


@pytest.fixture
def fresh_pg_url(_pg_databases: list[str]) -> str:
    """A brand-new empty PostgreSQL database for one test (migration tests)."""
    return _create_database(_pg_databases)


@pytest.fixture(scope="session")
def pg_engine(pg_url: str) -> Iterator[Engine]:
    """An engine on `pg_url`, migrated to head."""
    upgrade(pg_url)
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clean_pg(pg_engine: Engine, pg_url: str) -> str:
    """`pg_url`, migrated and with every table emptied before the test."""
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with pg_engine.begin() as conn:
        # A connection some earlier test left inside a transaction would block the
        # TRUNCATE for ever: fail loudly instead.
        conn.execute(text("SET LOCAL lock_timeout = '10s'"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return pg_url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file of the test's own (not migrated)."""
    return f"sqlite:///{tmp_path / 'warn.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database of each kind in turn."""
    if request.param == "sqlite":
        url: str = request.getfixturevalue("sqlite_url")
        upgrade(url)
        return url
    return str(request.getfixturevalue("clean_pg"))


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """`redis://…/<n>`: a Redis db number claimed by this run, flushed before and after."""
    admin = redis.Redis.from_url(f"{REDIS_ADMIN_URL}/0", socket_timeout=5)
    try:
        admin.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis unreachable at {REDIS_ADMIN_URL}: {exc}\n{HINT}", pytrace=False)
    me = str(os.getpid())
    number = _claim_redis_db(admin, me)
    url = f"{REDIS_ADMIN_URL}/{number}"
    own = redis.Redis.from_url(url)
    own.flushdb()
    yield url
    own.flushdb()
    own.close()
    if admin.get(f"warn-test-db:{number}") == me.encode():
        admin.delete(f"warn-test-db:{number}")
    admin.close()


def _claim_redis_db(admin: redis.Redis, me: str) -> int:
    for number in range(1, 16):
        # The claim expires by itself, so a run that was killed frees its number in an hour.
        if admin.set(f"warn-test-db:{number}", me, nx=True, ex=3600):
            return number
    pytest.fail("all Redis test db numbers 1..15 are claimed by other runs", pytrace=False)


@pytest.fixture
def mock_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The file the mock gateways log accepted sends to; every other WARN_MOCK_* unset."""
    path = tmp_path / "mock-gateway.ndjson"
    monkeypatch.setenv("WARN_MOCK_LOG", str(path))
    for name in ("WARN_MOCK_FAIL_RATE", "WARN_MOCK_DOWN", "WARN_MOCK_LATENCY_MS"):
        monkeypatch.delenv(name, raising=False)
    _reset_gateways()  # gateways built earlier still carry the old environment
    yield path
    _reset_gateways()


def _reset_gateways() -> None:
    try:
        registry = importlib.import_module("warn.channels.registry")
    except ModuleNotFoundError as exc:
        if exc.name not in ("warn.channels", "warn.channels.registry"):
            raise
        return
    registry.reset_gateways()
