"""On SQLite one write lock serves the whole embedded server, so what anyone outside can
make it do must not hold that lock: reading (API, console pages, metrics) takes none,
a password is checked with no transaction open, and /healthz gives up within a second
when the lock is held elsewhere. (Guesses that overlap: test_sign_in_throttle.py.)"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from api_harness import Api
from console_harness import PASSWORD, person
from sqlalchemy import Engine, event, func, select

from warn.api import ops
from warn.console.accounts import set_password, sign_in
from warn.console.passwords import verify_password
from warn.store.db import upgrade
from warn.store.models import Audit, User

T = TypeVar("T")
# What a read may write, after its reading is done and in a transaction of its own.
_AUDIT_ONLY = ("INSERT INTO audit",)


class Transactions:
    """Every transaction opened on an engine: its BEGIN, then the statements run in it."""

    def __init__(self, engine: Engine):
        self.seen: list[list[str]] = []
        self._open: dict[int, list[str]] = {}
        event.listen(engine, "before_cursor_execute", self._statement)

    def _statement(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        key = id(conn.connection.dbapi_connection)
        if statement.startswith("BEGIN"):
            self._open[key] = [statement]
            self.seen.append(self._open[key])
        elif key in self._open:
            self._open[key].append(statement)

    def during(self, run: Callable[[], T]) -> tuple[T, list[list[str]], list[list[str]]]:
        """What `run` returned, and the read (deferred) and write (IMMEDIATE) transactions
        it opened, each as the statements run in it."""
        self.seen.clear()
        value = run()
        return (value, [tx[1:] for tx in self.seen if tx[0] == "BEGIN"],
                [tx[1:] for tx in self.seen if tx[0] == "BEGIN IMMEDIATE"])


@pytest.fixture
def api(sqlite_url: str, mock_log: Path) -> Iterator[Api]:
    upgrade(sqlite_url)
    harness = Api(sqlite_url, mock_log)
    harness.user("root", "admin")
    yield harness
    harness.close()


def _database(api: Api) -> str:
    database = api.engine.url.database
    assert database
    return database


def _write_lock_is_free(api: Api) -> bool:
    probe = sqlite3.connect(_database(api), isolation_level=None, timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()


def test_reading_takes_no_write_lock_and_writes_only_its_audit_row_after(api: Api) -> None:
    api.school("sanxia-med")
    api.team("t1")
    case_id = api.open_case("flagged_call", district="wanzhou", school="sanxia-med")
    signal_id = api.case(case_id)["signals"][0]["id"]
    desk = person(api, "cui", "officer")
    admin = person(api, "boss", "admin")
    liaison = person(api, "li", "liaison", school="sanxia-med")
    team = person(api, "tm", "team", team="t1")
    reads: list[tuple[str, Callable[[], httpx.Response]]] = [
        *[(path, lambda path=path: api.get("root", path)) for path in (
            "/v1/cases", f"/v1/cases/{case_id}", f"/v1/deliveries?case_id={case_id}",
            f"/v1/signals/{signal_id}", "/metrics")],
        *[(path, lambda path=path: desk.get(path)) for path in (
            f"/cases/{case_id}", f"/cases/{case_id}/state.json", "/queue", "/queue.json",
            "/dashboard", "/login", "/")],
        ("/audit", lambda: admin.get("/audit")),
        *[(path, lambda path=path: liaison.get(path)) for path in ("/school", "/school.json")],
        *[(path, lambda path=path: team.get(path)) for path in ("/team", "/team.json")],
    ]
    transactions = Transactions(api.engine)
    for path, run in reads:
        answer, read, written = transactions.during(run)
        assert answer.status_code in (200, 303), (path, answer.status_code)
        assert read, f"{path} read nothing in a read transaction"
        assert all(s.startswith("SELECT") for tx in read for s in tx), (path, read)
        assert all(s.startswith(_AUDIT_ONLY) for tx in written for s in tx), (path, written)


def test_a_password_is_checked_with_no_transaction_open(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[bool] = []

    def verify(password: str, stored: str | None) -> bool:
        checked.append(_write_lock_is_free(api))
        return verify_password(password, stored)

    monkeypatch.setattr("warn.console.accounts.verify_password", verify)
    api.user("cui", "officer")
    set_password(api.ctx, "cui", PASSWORD)
    outcomes = [sign_in(api.ctx, name, password, client=None).status
                for name, password in (("nobody", "a-guess-1"), ("cui", "a-guess-2"),
                                       ("cui", PASSWORD), ("root", "a-guess-3"))]
    assert outcomes == ["refused", "refused", "ok", "refused"]
    assert checked == [True] * 4


def _actions(api: Api) -> dict[str, int]:
    with api.ctx.reads() as session:
        return dict(session.execute(select(Audit.action, func.count())
                                    .group_by(Audit.action)).all())


def test_a_password_replaced_while_it_was_checked_is_checked_again(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    api.user("cui", "officer")
    set_password(api.ctx, "cui", "the old password")
    replaced: list[str] = []

    def verify(password: str, stored: str | None) -> bool:
        if not replaced:  # the admin sets a new password while this check runs
            replaced.append(password)
            set_password(api.ctx, "cui", "the new password")
        return verify_password(password, stored)

    monkeypatch.setattr("warn.console.accounts.verify_password", verify)
    attempt = sign_in(api.ctx, "cui", "the new password", client=None)
    assert attempt.status == "ok" and replaced == ["the new password"]
    with api.ctx.reads() as session:
        assert session.get_one(User, "cui").failed_logins == 0


def test_healthz_is_503_within_a_second_while_the_write_lock_is_held(api: Api) -> None:
    assert api.client.get("/healthz").status_code == 200
    holder = sqlite3.connect(_database(api), isolation_level=None, timeout=30)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        answer = api.client.get("/healthz")
        assert time.monotonic() - started < 1.0
        assert answer.status_code == 503 and answer.json()["status"] == "unavailable"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert api.client.get("/healthz").status_code == 200


def test_healthz_requests_join_the_probe_already_waiting(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store that hangs: every request gives up in time, and one probe waits, not one per
    request."""
    calls: list[float] = []
    release = threading.Event()

    def hanging(_engine: Engine, _timeout_s: float) -> None:
        calls.append(time.monotonic())
        release.wait(10)

    monkeypatch.setattr(ops, "probe", hanging)
    try:
        for _ in range(3):
            started = time.monotonic()
            answer = api.client.get("/healthz")
            assert time.monotonic() - started < 1.0
            assert answer.status_code == 503 and answer.json()["store"] == "timeout"
        assert len(calls) == 1
    finally:
        release.set()
    monkeypatch.undo()
    deadline = time.monotonic() + 5
    while api.client.get("/healthz").status_code != 200:
        assert time.monotonic() < deadline, "/healthz did not come back"
        time.sleep(0.05)
