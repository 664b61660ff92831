"""The web console served by `warn serve`: sign-in, the duty officers' queue and case pages,
the school liaison and mobile team pages, the dashboard and the audit log.

Server-rendered Jinja2 pages (templates/console/) over the same scope and masking rules as
the JSON API; a small script (templates/console/static/console.js) polls for live updates.
"""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from warn.console import (
    pages_audit,
    pages_callbacks,
    pages_case,
    pages_dashboard,
    pages_field,
    pages_login,
    pages_notes,
    pages_paging,
    pages_queue,
    pages_roster,
    pages_search,
    pages_shift,
)
from warn.console.web import LoginRequired, PageError, on_login_required, on_page_error
from warn.render import resolve_templates_dir


def install_console(app: FastAPI) -> None:
    """Mount the console's pages and static files on the API's app."""
    for module in (pages_login, pages_queue, pages_case, pages_field, pages_dashboard,
                   pages_audit, pages_callbacks, pages_search, pages_notes, pages_shift,
                   pages_paging, pages_roster):
        app.include_router(module.router)
    static = resolve_templates_dir() / "console" / "static"
    app.mount("/static", StaticFiles(directory=static, check_dir=False), name="console-static")
    app.add_exception_handler(LoginRequired, on_login_required)
    app.add_exception_handler(PageError, on_page_error)
    api_answer = app.exception_handlers[RequestValidationError]

    async def on_invalid_input(request: Request, exc: Exception) -> Response:
        """A console form or link that does not validate (a note too long, a bad number)
        gets the console's page in Chinese; the API keeps its contract's JSON."""
        if not is_console_path(request.url.path):
            return await api_answer(request, exc)
        return await on_page_error(request, PageError(
            422, "输入有误", "有一项内容过长或格式不对，请检查后重试；已填写的内容没有提交。",
            request.url.path.endswith(".json")))

    app.add_exception_handler(RequestValidationError, on_invalid_input)
    api_http_answer = app.exception_handlers[StarletteHTTPException]

    async def on_http_error(request: Request, exc: Exception) -> Response:
        """A mistyped console address, or one only a form can post to (a restored tab of
        an answer page), gets the console's page in Chinese, not the API's JSON."""
        assert isinstance(exc, StarletteHTTPException)
        path = request.url.path
        if not is_console_path(path) or path.endswith(".json") or exc.status_code not in (
                404, 405):
            return await api_http_answer(request, exc)
        words = ("找不到", "没有这个页面。请从导航栏重新进入。") if exc.status_code == 404 else (
            "请从页面上操作", "这个地址只能由页面上的按钮提交。请返回案件页面重新操作。")
        page = PageError(exc.status_code, *words)
        page.audit_as = None  # an address, not a case: nothing learnt, nothing to audit
        return await on_page_error(request, page)

    app.add_exception_handler(StarletteHTTPException, on_http_error)

    @app.get("/favicon.ico", include_in_schema=False)
    def no_icon() -> Response:
        # Browsers ask on every page; an answer keeps a 404 out of each page's console.
        return Response(status_code=204, headers={"Cache-Control": "max-age=86400"})


def is_console_path(path: str) -> bool:
    return not path.startswith(("/v1/", "/healthz", "/metrics", "/openapi", "/docs"))


__all__ = ["install_console"]
