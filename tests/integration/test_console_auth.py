"""Console sign-in on SQLite and PostgreSQL: passwords, sessions, throttling, CSRF, logout,
revocation — and that API tokens and cookies stay apart. The throttle itself is tested in
test_sign_in_throttle.py."""

from __future__ import annotations

import json

import pytest
from api_harness import Api
from api_harness import api as api  # the fixture
from console_harness import PASSWORD, Person, csrf_of, person
from sqlalchemy import func, select

from warn.console.accounts import PAIR, set_password
from warn.console.passwords import (
    WeakPassword,
    check_strength,
    hash_password,
    verify_password,
)
from warn.service.registration import AdminError, disable_user
from warn.store.models import Audit, User, WebSession


def _audit(api: Api, action: str) -> list[Audit]:
    with api.ctx.sessions() as session:
        return list(session.scalars(select(Audit).where(Audit.action == action)
                                    .order_by(Audit.id)))


def _sessions(api: Api, name: str) -> int:
    with api.ctx.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(WebSession)
                                  .where(WebSession.user_name == name)) or 0)


def test_sign_in_sets_a_strict_httponly_cookie_and_lands_on_the_role_page(api: Api) -> None:
    officer = Person(api, "cui")
    api.user("cui", "officer", district="wanzhou")
    set_password(api.ctx, "cui", PASSWORD)
    answer = officer.sign_in()
    assert answer.status_code == 303 and answer.headers["location"] == "/queue"
    cookie = answer.headers["set-cookie"].lower()
    assert "warn_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert "secure" not in cookie  # plain http: a Secure cookie would never come back
    assert officer.get("/queue").status_code == 200
    assert [row.actor for row in _audit(api, "login")] == ["cui"]
    with api.ctx.sessions() as session:  # only a hash of the cookie is stored
        assert session.scalars(select(WebSession.id)).one() not in cookie


def test_the_cookie_is_secure_over_https(api: Api) -> None:
    api.user("li", "officer")
    set_password(api.ctx, "li", PASSWORD)
    answer = Person(api, "li", https=True).sign_in()
    assert "secure" in answer.headers["set-cookie"].lower()


def test_each_role_lands_on_its_own_page_and_feeds_cannot_sign_in(api: Api) -> None:
    api.school("sanxia-med")
    api.team("t1")
    assert person(api, "li", "liaison", school="sanxia-med").get("/").headers["location"] \
        == "/school"
    assert person(api, "tm", "team", team="t1").get("/").headers["location"] == "/team"
    api.user("carrier", "feed")
    with pytest.raises(AdminError):
        set_password(api.ctx, "carrier", PASSWORD)


def test_a_wrong_password_shows_an_error_and_is_audited(api: Api) -> None:
    api.user("cui", "officer")
    set_password(api.ctx, "cui", PASSWORD)
    answer = Person(api, "cui").sign_in("not the password")
    assert answer.status_code == 401 and "用户名或密码错误" in answer.text
    unknown = Person(api, "nobody").sign_in("whatever1")
    assert unknown.status_code == 401 and "用户名或密码错误" in unknown.text
    failures = _audit(api, "login_failed")
    assert [(row.actor, json.loads(row.detail)["reason"]) for row in failures] == [
        ("cui", "wrong password"), ("nobody", "unknown user")]


def test_repeated_failures_make_the_next_try_wait_and_the_page_says_until_when(
        api: Api) -> None:
    api.user("cui", "officer")
    set_password(api.ctx, "cui", PASSWORD)
    guesser = Person(api, "cui")
    for _ in range(PAIR.free):
        assert guesser.sign_in("wrong-guess").status_code == 401
    held = guesser.sign_in("wrong-guess")
    assert held.status_code == 429 and held.headers["retry-after"] == "1"
    assert "请 1 秒后再试" in held.text and 'role="alert"' in held.text
    # While it waits even the right password is refused, without being checked.
    assert guesser.sign_in(PASSWORD).status_code == 429
    assert len(_audit(api, "sign_in_delayed")) == 1 and len(_audit(api, "login_throttled")) == 1
    api.clock.advance(seconds=1)
    assert guesser.sign_in(PASSWORD).status_code == 303
    with api.ctx.sessions() as session:  # the old account lockout is not used any more
        user = session.get_one(User, "cui")
        assert user.failed_logins == 0 and user.locked_until is None


def test_a_long_wait_is_told_as_a_clock_time(api: Api) -> None:
    api.user("cui", "officer")
    set_password(api.ctx, "cui", PASSWORD)
    guesser = Person(api, "cui")
    for _ in range(PAIR.free + 7):  # a minute apart: each wait but the last is over
        api.clock.advance(minutes=1)
        guesser.sign_in("wrong-guess")
    held = guesser.sign_in("wrong-guess")
    assert held.status_code == 429 and held.headers["retry-after"] == "64"
    assert "北京时间，约 2 分钟后" in held.text
    api.clock.advance(seconds=64)
    held = guesser.sign_in("wrong-guess")
    assert held.status_code == 429 and held.headers["retry-after"] == "128"
    assert "北京时间，约 3 分钟后" in held.text and "联系管理员解除限制" in held.text


def test_a_new_password_lifts_the_throttle(api: Api) -> None:
    api.user("cui", "officer")
    set_password(api.ctx, "cui", PASSWORD)
    for _ in range(PAIR.free + 1):
        Person(api, "cui").sign_in("wrong-guess")
    assert Person(api, "cui").sign_in(PASSWORD).status_code == 429
    set_password(api.ctx, "cui", "another good one")
    assert Person(api, "cui").sign_in("another good one").status_code == 303


def test_a_new_password_ends_the_old_sessions(api: Api) -> None:
    officer = person(api, "cui", "officer")
    other_tab = Person(api, "cui")
    assert other_tab.sign_in().status_code == 303
    assert _sessions(api, "cui") == 2
    set_password(api.ctx, "cui", "another good one")
    assert _sessions(api, "cui") == 0
    for browser in (officer, other_tab):
        assert browser.get("/queue").headers["location"] == "/login?next=/queue"
    detail = json.loads(_audit(api, "set_password")[-1].detail)
    assert detail["sessions_ended"] == 2
    assert Person(api, "cui").sign_in("another good one").status_code == 303


def test_the_sign_in_form_needs_its_token(api: Api) -> None:
    api.user("cui", "officer")
    set_password(api.ctx, "cui", PASSWORD)
    stranger = Person(api, "cui")
    answer = stranger.client.post("/login", data={"username": "cui", "password": PASSWORD})
    assert answer.status_code == 403 and "warn_session" not in answer.headers.get("set-cookie", "")


def test_a_form_without_its_csrf_token_changes_nothing(api: Api) -> None:
    officer = person(api, "cui", "officer")
    case_id = api.open_case()
    for token in ("", "forged-token"):
        answer = officer.post(f"/cases/{case_id}/outcome", {"outcome": "false_positive"},
                              csrf=token)
        assert answer.status_code == 403 and "表单已失效" in answer.text
    assert api.case(case_id)["state"] == "open"
    assert len(_audit(api, "csrf_refused")) == 2
    assert officer.post("/logout", csrf="").status_code == 403
    assert officer.get("/queue").status_code == 200  # still signed in


def test_logout_ends_the_session_on_the_server(api: Api) -> None:
    officer = person(api, "cui", "officer")
    stolen = dict(officer.client.cookies)
    assert officer.post("/logout").headers["location"] == "/login"
    assert _sessions(api, "cui") == 0
    replay = Person(api, "cui")
    replay.client.cookies.update(stolen)
    assert replay.get("/queue").headers["location"].startswith("/login")


def test_disabling_a_user_ends_its_sessions_at_once(api: Api) -> None:
    officer = person(api, "cui", "officer")
    assert _sessions(api, "cui") == 1
    disable_user(api.ctx, "cui")
    assert _sessions(api, "cui") == 0
    assert officer.get("/queue").headers["location"] == "/login?next=/queue"
    assert officer.get("/queue.json").status_code == 401
    assert officer.sign_in().status_code == 401


def test_a_session_lasts_a_shift_and_no_longer(api: Api) -> None:
    officer = person(api, "cui", "officer")
    api.clock.advance(hours=11, minutes=59)
    assert officer.get("/queue").status_code == 200
    api.clock.advance(minutes=2)
    assert officer.get("/queue").status_code == 303


def test_cookies_do_not_open_the_api_and_tokens_do_not_open_the_console(api: Api) -> None:
    officer = person(api, "cui", "officer")
    assert officer.get("/v1/cases").status_code == 401
    token = {"Authorization": f"Bearer {api.tokens['cui']}"}
    assert api.client.get("/v1/cases", headers=token).status_code == 200
    assert api.client.get("/queue", headers=token, follow_redirects=False).status_code == 303


def test_sign_in_only_returns_to_paths_on_this_site(api: Api) -> None:
    api.user("cui", "officer")
    set_password(api.ctx, "cui", PASSWORD)
    for evil in ("//evil.example/x", "https://evil.example", "/\\evil.example"):
        assert Person(api, "cui").sign_in(next_path=evil).headers["location"] == "/queue"
    assert Person(api, "cui").sign_in(next_path="/dashboard").headers["location"] == "/dashboard"


def test_signed_out_pages_send_to_sign_in_and_polls_answer_401(api: Api) -> None:
    nobody = Person(api, "x")
    assert nobody.get("/queue").headers["location"] == "/login?next=/queue"
    assert nobody.get("/queue.json").status_code == 401
    assert "csrf" in nobody.get("/login").text and csrf_of(nobody.get("/login").text)


def test_passwords_are_salted_scrypt_hashes() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("scrypt$") and first != second and "correct" not in first
    assert verify_password("correct horse", first)
    assert not verify_password("correct horsf", first)
    assert not verify_password("anything", None) and not verify_password("x", "garbage$1")
    for weak in ("short", " padded password ", "12345678", "woaini1314"):
        with pytest.raises(WeakPassword):
            check_strength(weak)


def test_a_common_or_own_name_password_is_refused_when_set(api: Api) -> None:
    api.user("zhangwei", "officer")
    for weak in ("password1", "zhangwei2024", "qwertyui"):
        with pytest.raises(WeakPassword):
            set_password(api.ctx, "zhangwei", weak)
    set_password(api.ctx, "zhangwei", PASSWORD)
