"""`/shift`: the duty room's shift log. Officers write down what happened as it happens; a
handover (交接班) also writes down how many open cases wait in each lane at that moment,
and the newest handover stays at the top of the queue page until the incoming officer
acknowledges it. Each desk (a district; officers without one) keeps its own log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from warn import vocabulary as words
from warn.access.audit import audited
from warn.access.principal import Principal
from warn.console.web import ROW_ID_MAX, Desk, PageError, Poster, redirect, render
from warn.deps import Ctx
from warn.domain.events import Missing
from warn.service import desk
from warn.service.context import Context
from warn.text import typed_text

router = APIRouter(include_in_schema=False)
PAGE = 100
NOTICES = {"entry": "entry_ok", "handover": "handover_ok", "ack": "ack_ok"}


def handover_banner(session: Session, user: Principal) -> dict[str, Any] | None:
    """The handover the queue page shows `user` until acknowledged (None: nothing to show)."""
    if user.role not in ("officer", "admin"):
        return None
    entry = desk.pending_handover(session, user)
    if entry is None:
        return None
    return {"id": entry.id, "author": entry.author, "at": entry.at, "text": entry.text,
            "counts": _counts(entry.counts)}


def _counts(counts: dict[str, Any] | None) -> list[tuple[str, int]]:
    if not counts:
        return []
    return [(label, int(counts[key])) for key, label in words.LANE_COUNTS.items()
            if key in counts]


@router.get("/shift", response_class=HTMLResponse)
def shift_page(request: Request, ctx: Ctx, user: Desk, msg: str = "",
               before: Annotated[int | None, Query(ge=1, le=ROW_ID_MAX)] = None) -> HTMLResponse:
    key = NOTICES.get(msg)
    notice = {"kind": "ok", "text": words.DESK[key]} if key else None
    with (audited(ctx, user.principal, "console_shift", "shift", kind="read"),
          ctx.reads() as session):
        entries = desk.shift_entries(session, user.principal, before, PAGE)
        acks = desk.acks_of(session, [e.id for e in entries if e.kind == "handover"])
        now_counts = _counts(desk.lane_counts(session, user.principal))
    rows = [{"id": e.id, "at": e.at, "author": e.author, "kind": e.kind, "text": e.text,
             "counts": _counts(e.counts), "acks": acks.get(e.id, []),
             "acked_me": any(name == user.name for name, _ in acks.get(e.id, []))}
            for e in entries]
    older = rows[-1]["id"] if len(rows) == PAGE else None
    return render(request, "shift.html", user, notice=notice, rows=rows, older=older,
                  now_counts=now_counts)


def _text(value: str) -> str:
    written = typed_text(value)
    if written is None:
        raise PageError(422, "未记录", words.DESK["empty_entry"])
    return written


@router.post("/shift/entries")
def add_entry(ctx: Ctx, user: Poster, text: Annotated[str, Form(max_length=4000)] = ""
              ) -> Response:
    _desk_only(user.role)
    written = _text(text)
    with audited(ctx, user.principal, "shift_entry", "shift", via="console") as noted:
        noted["entry"] = desk.write_entry(ctx, user.principal, written, handover=False)
    return redirect("/shift?msg=entry")


@router.post("/shift/handover")
def add_handover(ctx: Ctx, user: Poster, text: Annotated[str, Form(max_length=4000)] = ""
                 ) -> Response:
    _desk_only(user.role)
    written = _text(text)
    with audited(ctx, user.principal, "shift_handover", "shift", via="console") as noted:
        noted["entry"] = desk.write_entry(ctx, user.principal, written, handover=True)
    return redirect("/shift?msg=handover")


@router.post("/shift/{entry_id}/ack")
def acknowledge(ctx: Ctx, user: Poster,
                entry_id: Annotated[int, Path(ge=1, le=ROW_ID_MAX)],
                next: Annotated[str, Form(max_length=16)] = "") -> Response:
    _desk_only(user.role)
    try:
        with audited(ctx, user.principal, "shift_ack", f"shift:{entry_id}", via="console"):
            desk.acknowledge(ctx, entry_id, user.principal)
    except Missing:
        raise PageError(404, "找不到", "没有这条交接班记录。") from None
    return redirect("/queue" if next == "queue" else "/shift?msg=ack")


def _desk_only(role: str) -> None:
    if role not in ("officer", "admin"):
        raise PageError(403, "无权访问", "这个页面不属于您的岗位。")


def queue_handover(ctx: Context, user: Principal) -> dict[str, Any] | None:
    """For the queue page (its `_handover.html` include)."""
    with ctx.reads() as session:
        return handover_banner(session, user)
