"""Request plumbing of the console: who is signed in, role gates, CSRF on forms, rendering
pages from templates/console/, and the error pages."""

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from warn import vocabulary as labels
from warn.access.audit import audit_quietly
from warn.console import formats
from warn.console.sessions import COOKIE, ConsoleUser, csrf_matches, session_user
from warn.deps import Ctx, context_of
from warn.render import environment
from warn.service.page_inbox import count_unanswered

HOME = {"officer": "/queue", "admin": "/queue", "liaison": "/school", "team": "/team"}
# The largest row id a page takes (PostgreSQL's integer): more is no row, not an error.
ROW_ID_MAX = 2**31 - 1


class LoginRequired(Exception):
    def __init__(self, next_path: str, json: bool):
        super().__init__(next_path)
        self.next_path = next_path
        self.json = json


class PageError(Exception):
    """Answered with the console's error page (or JSON for the polling endpoints)."""

    def __init__(self, status: int, title: str, message: str, json: bool = False,
                 audit_as: str | None = None):
        super().__init__(message)
        self.status, self.title, self.message, self.json = status, title, message, json
        self.audit_as = audit_as or {403: "refused", 404: "not_found"}.get(status)


def not_found(json: bool = False) -> PageError:
    # The same words whether the case does not exist or is someone else's: nobody learns
    # from this page that a case exists (CONTRACT §2).
    return PageError(404, "找不到", "没有这个案件或消息，或者您无权查看。", json)


def templates() -> SandboxedEnvironment:
    env = environment()
    if "console_filters" not in env.globals:  # the environment is shared and cached
        env.filters.update(formats.FILTERS)
        env.globals.update(L=labels, console_filters=True)
    return env


def render(request: Request, template: str, user: ConsoleUser | None = None,
           status: int = 200, **values: Any) -> HTMLResponse:
    page = templates().get_template(f"console/{template}")
    values.setdefault("notice", None)  # StrictUndefined: every name a page uses must exist
    values.setdefault("pages_waiting", _pages_waiting(request, user))
    html = page.render(user=user, path=request.url.path, home=HOME, **values)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _pages_waiting(request: Request, user: ConsoleUser | None) -> int:
    """The signed-in officer's unacknowledged duty pages, for the nav (0 for others, and
    when the store cannot say: the page itself must still be shown)."""
    if user is None or user.role not in ("officer", "admin"):
        return 0
    try:
        with context_of(request).reads() as session:
            return count_unanswered(session, user.name)
    except SQLAlchemyError:
        return 0


def _wants_json(request: Request) -> bool:
    return request.url.path.endswith(".json")


def _refuse_nul(values: Any, json: bool) -> None:
    # PostgreSQL text cannot hold NUL: refused here, before any query, with a page saying
    # so rather than an error deep in the store.
    if any(isinstance(value, str) and "\x00" in value for value in values):
        raise PageError(400, "请求无效", "请求中含有不允许的字符。", json)


def current_user(request: Request, ctx: Ctx) -> ConsoleUser:
    _refuse_nul((v for _, v in request.query_params.multi_items()), _wants_json(request))
    user = session_user(ctx, request.cookies.get(COOKIE))
    if user is None:
        raise LoginRequired(request.url.path, _wants_json(request))
    return user


Viewer = Annotated[ConsoleUser, Depends(current_user)]


def roles(*allowed: str) -> Callable[..., ConsoleUser]:
    """A dependency letting only these roles in; others get a 403 page naming their home."""

    def check(request: Request, user: Viewer) -> ConsoleUser:
        if user.role not in allowed:
            raise PageError(403, "无权访问", "这个页面不属于您的岗位。", _wants_json(request))
        return user

    return check


Desk = Annotated[ConsoleUser, Depends(roles("officer", "admin"))]
Admin = Annotated[ConsoleUser, Depends(roles("admin"))]


async def form_poster(request: Request, user: Viewer) -> ConsoleUser:
    """Every console form carries the session's CSRF token; without it nothing happens."""
    form = await request.form()
    _refuse_nul((v for _, v in form.multi_items()), False)
    sent = form.get("csrf")
    if not csrf_matches(user, sent if isinstance(sent, str) else None):
        raise PageError(403, "表单已失效", "这个表单没有有效的安全令牌（可能已过期）。"
                        "请刷新页面后重试。", audit_as="csrf_refused")
    return user


Poster = Annotated[ConsoleUser, Depends(form_poster)]


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def safe_next(path: str | None, fallback: str) -> str:
    """Only paths on this site: `//evil.example` or `https://…` would leave it."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return fallback


async def on_login_required(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    if exc.json:
        return JSONResponse({"error": {"code": "unauthorized", "message": "signed out"}},
                            status_code=401)
    return redirect(f"/login?next={quote(exc.next_path)}")


async def on_page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    ctx = context_of(request)
    user = await run_in_threadpool(session_user, ctx, request.cookies.get(COOKIE))
    if user is not None and exc.audit_as:
        # Someone opening other people's cases by URL is worth knowing about.
        await run_in_threadpool(audit_quietly, ctx, user.principal, exc.audit_as,
                                request.url.path, status=exc.status, via="console")
    if exc.json:
        return JSONResponse({"error": {"code": str(exc.status), "message": exc.message}},
                            status_code=exc.status)
    return render(request, "error.html", user, exc.status, title=exc.title,
                  message=exc.message)
