"""`/queue`: the duty officers' open cases, most urgent first, kept live by polling
`/queue.json` every second. A poll whose list has not changed since the page's last one
answers `same` and sends no personal data, so it is not an access to audit."""

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from warn.access.audit import audited
from warn.console import lists
from warn.console.digest import digests
from warn.console.formats import iso
from warn.console.sessions import ConsoleUser
from warn.console.web import Desk, render, templates
from warn.deps import Ctx
from warn.service.context import Context

router = APIRouter(include_in_schema=False)
RECENT = timedelta(hours=2)


def queue_keys(ctx: Context, user: ConsoleUser) -> tuple[lists.Keys, lists.Keys]:
    """The open cases in order, and those resolved lately (what left the queue, and how)."""
    with ctx.reads() as session:
        return (lists.queue_keys(session, user.principal),
                lists.recent_keys(session, user.principal, ctx.now() - RECENT))


def queue_view(ctx: Context, keys: lists.Keys, recent: lists.Keys) -> dict[str, Any]:
    with ctx.reads() as session:
        found = digests(session, keys + recent)
    rows = [found[case_id] for case_id, _ in keys if case_id in found]
    return {"rows": rows, "recent": [found[c] for c, _ in recent if c in found],
            "counts": _counts(rows), "sig": lists.signature(keys, recent),
            "now": iso(ctx.now()), "limit": lists.QUEUE_LIMIT}


def _counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    def having(flag: str) -> int:
        return sum(1 for row in rows if flag in row["flags"])

    return {"open": len(rows), "awaiting": having("awaiting_confirmation"),
            "overdue": having("overdue"), "high": sum(1 for r in rows if r["tier"] == "high"),
            "stuck": sum(1 for row in rows if _NEEDS_A_PERSON & set(row["flags"]))}


# Cases the ladder can no longer move by itself: the duty room's "需人工" counter.
_NEEDS_A_PERSON = frozenset({"no_team", "exhausted", "stuck"})


def shown_view(ctx: Context, user: ConsoleUser, keys: lists.Keys, recent: lists.Keys
               ) -> dict[str, Any]:
    """The queue of these cases, written down as shown to `user` before anyone sees it."""
    with audited(ctx, user.principal, "console_queue", "queue", kind="read") as noted:
        view = queue_view(ctx, keys, recent)
        noted["cases"] = [row["id"] for row in view["rows"] + view["recent"]]
    return view


@router.get("/queue", response_class=HTMLResponse)
def queue_page(request: Request, ctx: Ctx, user: Desk) -> HTMLResponse:
    view = shown_view(ctx, user, *queue_keys(ctx, user))
    return render(request, "queue.html", user, **view)


@router.get("/queue.json")
def queue_poll(ctx: Ctx, user: Desk, have: str = "") -> dict[str, Any]:
    keys, recent = queue_keys(ctx, user)
    sig = lists.signature(keys, recent)
    if have == sig:
        return {"sig": sig, "now": iso(ctx.now()), "same": True}
    view = shown_view(ctx, user, keys, recent)
    rows = templates().get_template("console/_queue_rows.html").render(**view)
    return {"sig": sig, "now": view["now"], "same": False, "counts": view["counts"],
            "html": rows}
