"""Signing in and out of the console. The sign-in form is protected against cross-site
posting by a double-submit token (a cookie and a hidden field that must match), since
there is no session yet to hold one."""

import hmac
import math
import secrets
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from warn.access.audit import audit
from warn.console.accounts import MAX_WAIT, PAIR, sign_in
from warn.console.formats import clock
from warn.console.sessions import COOKIE, LIFETIME, end_session, session_user, start_session
from warn.console.web import HOME, Poster, redirect, render, safe_next
from warn.deps import Ctx

router = APIRouter(include_in_schema=False)
LOGIN_CSRF = "warn_login_csrf"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_page(request: Request, status: int = 200, error: str | None = None,
                username: str = "", next_path: str = "",
                retry_after_s: int | None = None) -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF) or secrets.token_urlsafe(24)
    page = render(request, "login.html", None, status, error=error, username=username,
                  next_path=next_path, csrf=token, free_failures=PAIR.free,
                  max_wait_minutes=int(MAX_WAIT.total_seconds() // 60))
    if retry_after_s is not None:
        page.headers["Retry-After"] = str(retry_after_s)
    page.set_cookie(LOGIN_CSRF, token, max_age=3600, path="/login", httponly=True,
                    samesite="strict", secure=_secure(request))
    return page


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, ctx: Ctx, next: str = "") -> Response:
    user = session_user(ctx, request.cookies.get(COOKIE))
    if user is not None:
        return redirect(safe_next(next, HOME.get(user.role, "/login")))
    return _login_page(request, next_path=safe_next(next, ""))


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, ctx: Ctx, username: Annotated[str, Form(max_length=64)] = "",
          password: Annotated[str, Form(max_length=256)] = "",
          csrf: Annotated[str, Form(max_length=128)] = "",
          next: Annotated[str, Form(max_length=512)] = "") -> Response:
    name, next_path = username.strip(), safe_next(next, "")
    expected = request.cookies.get(LOGIN_CSRF) or ""
    if not expected or not hmac.compare_digest(expected.encode(), csrf.encode()):
        return _login_page(request, 403, "登录表单已过期，请重新输入。", name, next_path)
    client = request.client.host if request.client else None
    attempt = sign_in(ctx, name, password, client=client)
    if attempt.status == "throttled" and attempt.retry_at is not None:
        seconds = max(1, math.ceil((attempt.retry_at - ctx.now()).total_seconds()))
        return _login_page(request, 429, _try_again(attempt.retry_at, seconds), name,
                           next_path, retry_after_s=seconds)
    if attempt.user is None:
        return _login_page(request, 401, "用户名或密码错误。", name, next_path)
    return _signed_in(request, ctx, attempt.user.name, attempt.user.role, next_path)


def _try_again(retry_at: datetime, seconds: int) -> str:
    """When to try again, in words a person in a hurry reads at a glance."""
    if seconds < 60:
        when = f"请 {seconds} 秒后再试。"
    else:
        when = (f"请于 {clock(retry_at)}（北京时间，约 {math.ceil(seconds / 60)} 分钟后）"
                "再试。")
    return f"登录失败次数过多，暂停登录。{when}急需登录请联系管理员解除限制。"


def _signed_in(request: Request, ctx: Ctx, name: str, role: str, next_path: str) -> Response:
    token = start_session(ctx, name)
    user = session_user(ctx, token)
    assert user is not None
    audit(ctx, user.principal, "login", "console",
          client=request.client.host if request.client else None)
    response = redirect(safe_next(next_path, HOME.get(role, "/login")))
    response.set_cookie(COOKIE, token, max_age=int(LIFETIME.total_seconds()), path="/",
                        httponly=True, samesite="strict", secure=_secure(request))
    response.delete_cookie(LOGIN_CSRF, path="/login")
    return response


@router.post("/logout")
def logout(ctx: Ctx, user: Poster) -> RedirectResponse:
    end_session(ctx, user.session_id)
    audit(ctx, user.principal, "logout", "console")
    response = redirect("/login")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/")
def home(request: Request, ctx: Ctx) -> RedirectResponse:
    user = session_user(ctx, request.cookies.get(COOKIE))
    return redirect(HOME.get(user.role, "/login") if user is not None else "/login")
