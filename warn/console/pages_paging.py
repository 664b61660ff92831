"""`/pages`: an officer's duty pages not yet acknowledged, acknowledged in one click.

The same list shows as a strip on every desk page while anything is waiting (base.html),
so the queue carries it too. Acknowledging records `acknowledged` on each page, and a page
still waiting for the officer's next grouped message is then not sent at all.
"""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from warn import vocabulary as words
from warn.access.audit import audited
from warn.console.sessions import ConsoleUser
from warn.console.web import Desk, PageError, Poster, redirect, render, safe_next
from warn.deps import Ctx, Outbox
from warn.service import page_inbox
from warn.service.context import Context

router = APIRouter(include_in_schema=False)
MOST_AT_ONCE = page_inbox.SHOWN_AT_MOST


def waiting_pages(ctx: Context, user: ConsoleUser | None) -> int:
    """How many pages wait for the signed-in officer's acknowledgement (0 for others)."""
    if user is None or user.role not in ("officer", "admin"):
        return 0
    with ctx.reads() as session:
        return page_inbox.count_unanswered(session, user.name)


@router.get("/pages", response_class=HTMLResponse)
def pages_page(request: Request, ctx: Ctx, user: Desk,
               acked: Annotated[int | None, Query(ge=0, le=10_000)] = None) -> HTMLResponse:
    with audited(ctx, user.principal, "console_pages", "pages", kind="read") as noted:
        with ctx.reads() as session:
            pages = page_inbox.unanswered(session, user.name)
            total = page_inbox.count_unanswered(session, user.name)
        noted["cases"] = sorted({page.case_id for page in pages})
    notice = None
    if acked is not None:
        text = (words.PAGES["acked"].format(count=acked) if acked
                else words.PAGES["acked_none"])
        notice = {"kind": "ok", "text": text}
    return render(request, "pages.html", user, pages=pages, total=total, notice=notice)


@router.post("/pages/acknowledge")
def acknowledge(ctx: Ctx, user: Poster, outbox: Outbox,
                page: Annotated[list[str] | None, Form()] = None,
                next: Annotated[str, Form(max_length=512)] = "") -> Response:
    """Acknowledge the pages the officer was shown (never ones that came after)."""
    if user.role not in ("officer", "admin"):
        raise PageError(403, "无权访问", "这个页面不属于您的岗位。")
    shown = [p for p in (page or []) if p][:MOST_AT_ONCE]
    with audited(ctx, user.principal, "acknowledge_pages", "pages", asked=len(shown),
                 via="console") as noted:
        done, work = page_inbox.acknowledge(ctx, user.name, shown)
        noted["deliveries"] = done
        outbox(work)
    back = safe_next(next, "/pages").split("?")[0].split("#")[0]
    return redirect(f"{back}?acked={len(done)}")
