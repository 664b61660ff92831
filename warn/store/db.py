"""Engines, sessions and migrations for PostgreSQL (distributed) and SQLite (embedded)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

_HERE = Path(__file__).resolve().parent

# Alembic keeps its migration context in module globals: one upgrade per process at a time.
_upgrade_lock = threading.Lock()

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA busy_timeout=30000",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
    # Freed space is zeroed, so an overwritten number or name leaves no copy in the file
    # for `warn purge` to miss (PIPL). Debian's SQLite does this by default, other builds
    # do not.
    "PRAGMA secure_delete=ON",
)


def normalize_url(url: str) -> str:
    """Point plain PostgreSQL URLs at psycopg 3, the driver we ship.

    The contract promises that `postgresql://user@host/db` works as is; left alone,
    SQLAlchemy would pick psycopg2, which is not installed.
    """
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, **kwargs)
    options: dict[str, Any] = {
        "pool_size": 5,
        "max_overflow": 10,
        "pool_recycle": 1800,
        # Statement parameters are people's numbers and names: keep them out of error
        # messages, which end up in log lines (PIPL: no personal data in logs).
        "hide_parameters": True,
    }
    options.update(kwargs)
    engine = create_engine(url, **options)
    if not options.get("pool_pre_ping"):
        _ping_when_idle(engine)
    return engine


# Survive a PostgreSQL restart without a failed request: a connection that has been idle
# is tried before it is handed out. One in steady use is not: SQLAlchemy's pre-ping costs
# a round trip per transaction, a third of those of a small request.
PING_AFTER_IDLE_S = 1.0


def _ping_when_idle(engine: Engine) -> None:
    def checked_in(_dbapi: Any, record: Any) -> None:
        record.info["warn_checked_in"] = time.monotonic()

    def checkout(dbapi: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("warn_checked_in")
        if since is not None and time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            alive = engine.dialect.do_ping(dbapi)
        except Exception as error:
            raise DisconnectionError("the connection was lost while idle") from error
        if not alive:
            raise DisconnectionError("the connection was lost while idle")

    event.listen(engine, "checkin", checked_in)
    event.listen(engine, "checkout", checkout)


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    connect_args = {"check_same_thread": False, "timeout": 30, **kwargs.pop("connect_args", {})}
    engine = create_engine(url, connect_args=connect_args,
                           **{"hide_parameters": True, **kwargs})
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 module (SQLAlchemy's documented
    # recipe): it would otherwise BEGIN lazily and only before DML.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    # A writer takes the write lock up front (IMMEDIATE). A deferred transaction that
    # reads and then writes must upgrade its lock, and when two threads do that at once
    # one fails at once with "database is locked" (busy_timeout cannot help a deadlock).
    # Taking it first makes writers queue on busy_timeout instead. A reader never
    # writes, so it takes no lock at all: in WAL mode it reads a snapshot beside the
    # writer, and a page read by an officer cannot hold back a flash SMS.
    read_only = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


READ_ONLY = "warn_read_only"


def read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for reading only. On SQLite they begin without the write lock, so never
    write in one: it would have to upgrade its lock, the deadlock IMMEDIATE avoids.
    Elsewhere they are ordinary sessions."""
    return sessionmaker(bind=engine.execution_options(**{READ_ONLY: True}),
                        expire_on_commit=False)


def probe(engine: Engine, timeout_s: float) -> None:
    """Raise unless the store answers within about `timeout_s`.

    On a SQLite file "answers" means a write could begin now: the probe takes the write
    lock and drops it at once, on a connection of its own with a busy timeout of
    `timeout_s`. Readers never wait in WAL mode, so a read would say "up" while every
    signal waits for the lock; and the pool's connections wait 30 s for it, and may all
    be taken by writers queued on it. Elsewhere a plain round trip, bounded on
    PostgreSQL by a statement timeout (a hung connect is the caller's to give up on).
    """
    database = engine.url.database
    if is_sqlite(engine) and database and database != ":memory:":
        _probe_sqlite_file(database, timeout_s)
        return
    with engine.execution_options(**{READ_ONLY: True}).connect() as conn:
        if not is_sqlite(engine):
            conn.execute(text(f"SET LOCAL statement_timeout = {max(1, int(timeout_s * 1000))}"))
        conn.execute(text("SELECT 1"))


def _probe_sqlite_file(database: str, timeout_s: float) -> None:
    # mode=rw: a probe must not create the file it finds missing.
    uri = f"file:{quote(str(Path(database).absolute()))}?mode=rw"
    conn = sqlite3.connect(uri, uri=True, timeout=timeout_s, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1")
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def alembic_config(url: str) -> Config:
    """An Alembic config for our migrations, bound to `url` (not alembic.ini's)."""
    config = Config(str(_HERE / "alembic.ini"))
    config.set_main_option("script_location", str(_HERE / "migrations"))
    config.attributes["url"] = url
    return config


def upgrade(url: str) -> None:
    """Bring the database at `url` to the newest schema; a no-op when it is there.

    Safe when several processes start at once: on PostgreSQL env.py serialises them
    on an advisory lock, on SQLite on the database's write lock.
    """
    with _upgrade_lock:
        command.upgrade(alembic_config(url), "head")
