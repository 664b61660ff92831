"""The sign-in throttle on SQLite and PostgreSQL: failures counted per (client, name) and
per client, waits that double, a name that does not exist treated exactly like one that
does, the owner elsewhere never held back, and `unlock`."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from api_harness import Api
from api_harness import api as api  # the fixture
from console_harness import PASSWORD, Person
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from warn.console.accounts import (
    CLIENT,
    MAX_WAIT,
    PAIR,
    SignIn,
    client_id,
    set_password,
    sign_in,
    unlock,
)
from warn.console.passwords import verify_password
from warn.service.registration import AdminError
from warn.store.models import Audit, SignInThrottle

GUESSER, OWNER = "10.0.0.66", "10.0.0.7"


@pytest.fixture
def cui(api: Api) -> Api:
    api.user("cui", "officer")
    set_password(api.ctx, "cui", PASSWORD)
    return api


def _try(api: Api, name: str, password: str = "wrong-guess", client: str = GUESSER) -> SignIn:
    return sign_in(api.ctx, name, password, client=client)


def _waits(api: Api, attempts: list[SignIn]) -> list[float | None]:
    now = api.clock.now
    return [(a.retry_at - now).total_seconds() if a.retry_at else None for a in attempts]


def _actions(api: Api) -> dict[str, int]:
    with api.ctx.reads() as session:
        return dict(session.execute(select(Audit.action, func.count())
                                    .group_by(Audit.action)).all())


def _rows(api: Api) -> int:
    with api.ctx.reads() as session:
        return int(session.scalar(select(func.count()).select_from(SignInThrottle)) or 0)


def _checked(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The hashes every password check ran against, in order (None: the dummy one)."""
    seen: list[str | None] = []

    def verify(password: str, stored: str | None) -> bool:
        seen.append(stored)
        return verify_password(password, stored)

    monkeypatch.setattr("warn.console.accounts.verify_password", verify)
    return seen


def test_waits_double_from_the_sixth_failure_and_stop_at_fifteen_minutes(cui: Api) -> None:
    first = [_try(cui, "cui") for _ in range(PAIR.free)]
    assert [a.status for a in first] == ["refused"] * PAIR.free
    waits: list[float | None] = []
    for _ in range(12):
        attempt = _try(cui, "cui")
        assert attempt.status == "throttled"
        waits.extend(_waits(cui, [attempt]))
        cui.clock.now = attempt.retry_at  # type: ignore[assignment]
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    assert MAX_WAIT.total_seconds() == 900


def test_while_a_key_waits_the_password_is_not_checked(
        cui: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(PAIR.free + 1):
        _try(cui, "cui")
    checked = _checked(monkeypatch)
    held = _try(cui, "cui", PASSWORD)
    assert held.status == "throttled" and _waits(cui, [held]) == [1] and checked == []
    assert _actions(cui)["login_throttled"] == 1
    cui.clock.advance(seconds=1)
    assert _try(cui, "cui", PASSWORD).status == "ok" and len(checked) == 1


def test_an_unknown_name_is_counted_answered_and_timed_like_a_known_one(
        cui: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    _try(cui, "warm-up", client="192.0.2.1")  # the table's occasional sweep, out of the way
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(cui.engine, "before_cursor_execute", record)
    checked = _checked(monkeypatch)
    runs: dict[str, tuple[list[str], list[float | None], list[str], int]] = {}
    for name, client in (("cui", "10.1.0.1"), ("nobody", "10.1.0.2")):
        statements.clear()
        checked.clear()
        attempts = [_try(cui, name, client=client) for _ in range(PAIR.free + 3)]
        runs[name] = ([a.status for a in attempts], _waits(cui, attempts),
                      list(statements), len(checked))
    event.remove(cui.engine, "before_cursor_execute", record)
    known, unknown = runs["cui"], runs["nobody"]
    assert known[0] == unknown[0] == ["refused"] * PAIR.free + ["throttled"] * 3
    assert known[1] == unknown[1] == [None] * PAIR.free + [1, 1, 1]
    # The same statements in the same order, the same number of scrypt checks.
    assert known[2] == unknown[2] and known[3] == unknown[3] == PAIR.free + 1
    with cui.ctx.reads() as session:
        rows = session.execute(select(Audit.actor, Audit.action, Audit.detail)
                               .where(Audit.actor.in_(["cui", "nobody"]))).all()
    shapes: dict[str, list[tuple[str, list[str]]]] = {"cui": [], "nobody": []}
    for actor, action, detail in rows:
        fields = {k: v for k, v in json.loads(detail).items() if k not in ("reason", "client")}
        shapes[actor].append((action, sorted(f"{k}={v}" for k, v in fields.items())))
    assert shapes["cui"] == shapes["nobody"]


def test_the_owner_elsewhere_is_not_held_back_by_a_guesser(cui: Api) -> None:
    for _ in range(PAIR.free + 4):
        _try(cui, "cui")
    assert _try(cui, "cui", PASSWORD).status == "throttled"
    assert _try(cui, "cui", PASSWORD, client=OWNER).status == "ok"
    assert _try(cui, "cui", client=OWNER).status == "refused"  # counted on its own pair


def test_one_client_trying_many_names_is_held_back_on_every_name(cui: Api) -> None:
    outcomes = [_try(cui, f"name-{n}").status for n in range(CLIENT.free)]
    assert outcomes == ["refused"] * CLIENT.free
    held = _try(cui, "name-new")
    assert held.status == "throttled" and _waits(cui, [held]) == [1]
    assert _try(cui, "cui", PASSWORD).status == "throttled"  # any name, from that client
    assert _try(cui, "cui", PASSWORD, client=OWNER).status == "ok"  # not from another one


def test_quiet_time_forgives_failures_one_by_one(cui: Api) -> None:
    for _ in range(PAIR.free + 2):
        cui.clock.advance(seconds=10)
        _try(cui, "cui")
    cui.clock.advance(minutes=2 * 15)  # forgives two: back to five, the next one waits 1 s
    assert _waits(cui, [_try(cui, "cui")]) == [1]
    cui.clock.advance(hours=3)
    assert _try(cui, "cui").status == "refused"


def test_a_right_password_clears_the_pair_and_refunds_the_client(cui: Api) -> None:
    for _ in range(PAIR.free):
        _try(cui, "cui")
    assert _try(cui, "cui", PASSWORD).status == "ok"
    for _ in range(PAIR.free):
        assert _try(cui, "cui").status == "refused"  # five free again
    # A duty room behind one address signing in all day is never charged for it.
    for _ in range(3 * CLIENT.free):
        assert _try(cui, "cui", PASSWORD, client=OWNER).status == "ok"
    assert _try(cui, "cui", client=OWNER).status == "refused"


def test_unlock_lifts_every_throttle_of_the_name_and_only_of_it(cui: Api) -> None:
    cui.user("li", "officer")
    set_password(cui.ctx, "li", PASSWORD)
    for client in (GUESSER, "10.9.9.9", "2001:db8::1"):
        for name in ("cui", "li"):
            for _ in range(PAIR.free + 1):
                _try(cui, name, client=client)
    for client in (GUESSER, "10.9.9.9", "2001:db8::1"):
        assert _try(cui, "cui", PASSWORD, client=client).status == "throttled"
    assert unlock(cui.ctx, "cui") == 3
    for client in (GUESSER, "10.9.9.9", "2001:db8::1"):
        assert _try(cui, "cui", PASSWORD, client=client).status == "ok"
        assert _try(cui, "li", PASSWORD, client=client).status == "throttled"
    assert _actions(cui)["sign_in_unlocked"] == 1
    with pytest.raises(AdminError):
        unlock(cui.ctx, "nobody")


def test_unlock_with_a_client_lifts_that_clients_own_throttle(cui: Api) -> None:
    for n in range(CLIENT.free + 1):
        _try(cui, f"name-{n}")
    assert _try(cui, "cui", PASSWORD).status == "throttled"
    unlock(cui.ctx, "cui", client=GUESSER)
    assert _try(cui, "cui", PASSWORD).status == "ok"


def test_guesses_side_by_side_get_no_more_checks_than_one_by_one(
        cui: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    checked = _checked(monkeypatch)
    guesses = 3 * PAIR.free
    start = threading.Barrier(guesses)
    outcomes: list[str] = []

    def guess(n: int) -> None:
        start.wait()
        outcomes.append(_try(cui, "cui", f"wrong-guess-{n}").status)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(checked) == PAIR.free + 1
    assert sorted(outcomes) == ["refused"] * PAIR.free + ["throttled"] * (guesses - PAIR.free)
    actions = _actions(cui)
    assert actions["login_failed"] == PAIR.free + 1 and actions["sign_in_delayed"] == 1
    assert actions["login_throttled"] == 1  # written down once per wait, not per try


def test_a_right_guess_let_in_before_the_wait_began_still_signs_in(
        cui: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    wrongs_done = threading.Event()

    def verify(password: str, stored: str | None) -> bool:
        if password == PASSWORD:  # still checking while the wrong guesses pile up
            wrongs_done.wait(30)
        return verify_password(password, stored)

    monkeypatch.setattr("warn.console.accounts.verify_password", verify)
    outcome: list[str] = []
    right = threading.Thread(target=lambda: outcome.append(_try(cui, "cui", PASSWORD).status))
    right.start()
    wrong = [_try(cui, "cui", f"wrong-guess-{n}").status for n in range(PAIR.free)]
    wrongs_done.set()
    right.join(timeout=30)
    assert wrong[-1] == "throttled" and outcome == ["ok"]


def test_ipv6_clients_count_by_their_slash_64() -> None:
    assert client_id("2001:db8:1:2:aaaa::1") == client_id("2001:db8:1:2:ffff::9") \
        == "2001:db8:1:2::/64"
    assert client_id("2001:db8:1:3::1") != client_id("2001:db8:1:2::1")
    assert client_id("::ffff:10.0.0.1") == "10.0.0.1" and client_id(None) == "-"


def test_rows_are_hashes_and_long_quiet_ones_are_swept(
        cui: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    _try(cui, "cui")
    with cui.ctx.reads() as session:
        keys = list(session.scalars(select(SignInThrottle.key)))
    assert len(keys) == 2 and all(len(k) == 64 and "cui" not in k and GUESSER not in k
                                  for k in keys)
    monkeypatch.setattr("warn.console.accounts._next_sweep", [])
    cui.clock.advance(hours=25)
    _try(cui, "li", PASSWORD, client=OWNER)
    assert _rows(cui) == 2  # the old two gone, the new attempt's two made


def test_over_http_an_unknown_name_gets_the_same_page_as_a_known_one(cui: Api) -> None:
    pages: dict[str, list[tuple[int, str | None, str]]] = {}
    for name, address in (("cui", "10.2.0.1"), ("nobody", "10.2.0.2")):
        browser = Person(cui, name)
        browser.client = TestClient(cui.app, base_url="http://testserver",
                                    follow_redirects=False, client=(address, 50000))
        answers = [browser.sign_in("wrong-guess") for _ in range(PAIR.free + 2)]
        pages[name] = [(a.status_code, a.headers.get("retry-after"),
                        a.text.replace(f'value="{name}"', "").split('name="csrf"')[0])
                       for a in answers]
    assert pages["cui"] == pages["nobody"]
    assert [status for status, _, _ in pages["cui"]] == [401] * PAIR.free + [429, 429]
