"""A pooled PostgreSQL connection is tried before it is handed out only after it was idle
(warn.store.db.PING_AFTER_IDLE_S): one lost while idle is replaced without a failed
request, one in steady use costs no round trip."""

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from warn.store import db


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    made = db.make_engine(pg_url, pool_size=1, max_overflow=0)
    yield made
    made.dispose()


def _backend_of(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(pg_url: str, pid: int) -> None:
    with psycopg.connect(pg_url.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_connection_lost_while_idle_is_replaced_before_it_is_used(
        engine: Engine, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    lost = _backend_of(engine)
    _terminate(pg_url, lost)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # it has been idle long enough
    assert _backend_of(engine) != lost


def test_a_connection_in_steady_use_is_not_pinged(
        engine: Engine, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    lost = _backend_of(engine)
    _terminate(pg_url, lost)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 3600.0)  # used a moment ago: no ping
    with pytest.raises(OperationalError):
        _backend_of(engine)
    assert _backend_of(engine) != lost  # the pool dropped it: the next one is fresh
