"""The web console served by `warn serve`: sign-in, the duty officers' queue and case pages,
the school liaison and mobile team pages, the dashboard and the audit log.

Server-rendered Jinja2 pages (templates/console/) over the same scope and masking rules as
the JSON API; a small script (templates/console/static/console.js) polls for live updates.
"""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

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
                   pages_audit):
        app.include_router(module.router)
    for module in (pages_callbacks, pages_search, pages_notes, pages_shift):
        app.include_router(module.router)
    for module in (pages_paging, pages_roster):
        app.include_router(module.router)
    static = resolve_templates_dir() / "console" / "static"
    app.mount("/static", StaticFiles(directory=static, check_dir=False), name="console-static")
    app.add_exception_handler(LoginRequired, on_login_required)
    app.add_exception_handler(PageError, on_page_error)


__all__ = ["install_console"]
