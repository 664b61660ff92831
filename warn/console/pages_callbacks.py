"""`/callbacks`: the 96110 desk's worklist. Every callback_96110 delivery of an open case in
the operator's scope that has no final result yet (`dissuaded`, `not_believed`; `hung_up`
and `no_answer` are attempts and the call is tried again), high tier first, then the one
asked for longest ago. An operator claims a callback before calling; a claimed one leaves
everyone else's "待认领" list. Kept live by polling `/callbacks.json` like the queue: an
unchanged list answers `same` and sends no personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import case, exists, select
from sqlalchemy.orm import Session

from warn import vocabulary as words
from warn.access import reads
from warn.access.audit import audited
from warn.access.principal import Principal
from warn.access.scope import case_scope
from warn.console import lists
from warn.console.digest import digests
from warn.console.formats import iso
from warn.console.sessions import ConsoleUser
from warn.console.web import Desk, Poster, not_found, redirect, render, templates
from warn.deps import Ctx, Outbox
from warn.domain.events import InvalidResult, Missing, Rejected
from warn.service import desk
from warn.service.actions import report_result
from warn.service.context import Context
from warn.store.models import CallbackClaim, CaseRow, Delivery, DeliveryResult
from warn.text import typed_text

router = APIRouter(include_in_schema=False)
LIMIT = 300
Note = Annotated[str, Form(max_length=500)]
NOTICES = {"claimed": "claimed_ok", "released": "released_ok", "result": "result_ok"}


def _worklist(session: Session, user: Principal, limit: int = LIMIT) -> list[dict[str, Any]]:
    """The callbacks still to make, most urgent first, each with its case's version and its
    claim (the order and the facts the page and its signature are made from)."""
    finished = exists().where(DeliveryResult.delivery_id == Delivery.id,
                              DeliveryResult.result.in_(desk.CALL_OVER))
    tier = case({"high": 0, "medium": 1}, value=CaseRow.tier, else_=2)
    query = (select(Delivery.id, Delivery.case_id, Delivery.created_at, Delivery.state,
                    CaseRow.version, CallbackClaim.claimed_by, CallbackClaim.claimed_at)
             .join(CaseRow, CaseRow.id == Delivery.case_id)
             .outerjoin(CallbackClaim, CallbackClaim.delivery_id == Delivery.id)
             .where(Delivery.channel == "callback_96110", Delivery.state != "cancelled",
                    CaseRow.state == "open", case_scope(user), ~finished)
             .order_by(tier, Delivery.created_at, Delivery.id).limit(limit))
    rows = [dict(row._mapping) for row in session.execute(query)]
    tries = _attempts(session, [row["id"] for row in rows])
    for row in rows:
        row["attempts"], row["last_try"] = tries.get(row["id"], (0, None))
    return rows


def _attempts(session: Session, ids: list[str]) -> dict[str, tuple[int, datetime | None]]:
    found: dict[str, tuple[int, datetime | None]] = {}
    for result in reads.results_of(session, ids).values():
        attempts = [r for r in result if r.result in desk.CALL_ATTEMPTS]
        if attempts:
            found[attempts[0].delivery_id] = (len(attempts), attempts[-1].at)
    return found


def _signature(rows: list[dict[str, Any]]) -> str:
    return lists.signature([(f"{r['id']}/{r['claimed_by'] or ''}/{r['attempts']}",
                             r["version"]) for r in rows])


def _view(session: Session, user: ConsoleUser, rows: list[dict[str, Any]]) -> dict[str, Any]:
    found = digests(session, [(row["case_id"], row["version"]) for row in rows])
    mine: list[dict[str, Any]] = []
    unclaimed: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for row in rows:
        head = found.get(row["case_id"])
        if head is None:
            continue
        item = {**row, "case": head, "tel": "tel:" + (head["msisdn"] or "")}
        claimer = row["claimed_by"]
        (mine if claimer == user.name else unclaimed if claimer is None else others).append(item)
    return {"mine": mine, "unclaimed": unclaimed, "others": others,
            "counts": {"mine": len(mine), "unclaimed": len(unclaimed), "others": len(others)},
            "limit": LIMIT, "more": len(rows) >= LIMIT}


def _shown(ctx: Context, user: ConsoleUser, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The worklist as shown to `user`, written down before anyone sees it."""
    with (audited(ctx, user.principal, "console_callbacks", "callbacks", kind="read") as noted,
          ctx.reads() as session):
        view = _view(session, user, rows)
        noted["cases"] = sorted({item["case_id"] for part in ("mine", "unclaimed", "others")
                                 for item in view[part]})
    return view


def _rows(ctx: Context, user: ConsoleUser) -> list[dict[str, Any]]:
    with ctx.reads() as session:
        return _worklist(session, user.principal)


def _page(request: Request, ctx: Context, user: ConsoleUser, status: int = 200,
          notice: dict[str, str] | None = None) -> HTMLResponse:
    rows = _rows(ctx, user)
    view = _shown(ctx, user, rows)
    return render(request, "callbacks.html", user, status, notice=notice, sig=_signature(rows),
                  now=iso(ctx.now()), results=_result_buttons(), **view)


def _result_buttons() -> list[tuple[str, str]]:
    return [(value, words.RESULTS[value]) for value in words.CALLBACK_RESULTS]


@router.get("/callbacks", response_class=HTMLResponse)
def callbacks_page(request: Request, ctx: Ctx, user: Desk, msg: str = "") -> HTMLResponse:
    key = NOTICES.get(msg)
    notice = {"kind": "ok", "text": words.DESK[key]} if key else None
    return _page(request, ctx, user, notice=notice)


@router.get("/callbacks.json")
def callbacks_poll(ctx: Ctx, user: Desk, have: str = "") -> dict[str, Any]:
    rows = _rows(ctx, user)
    sig = _signature(rows)
    if have == sig:
        return {"sig": sig, "now": iso(ctx.now()), "same": True}
    view = _shown(ctx, user, rows)
    html = templates().get_template("console/_callback_rows.html").render(
        user=user, results=_result_buttons(), **view)
    return {"sig": sig, "now": iso(ctx.now()), "same": False, "counts": view["counts"],
            "html": html}


def _callback_in_scope(ctx: Context, user: ConsoleUser, delivery_id: str) -> str:
    """The callback's case id when the operator may see it; else the same 404 as any case
    out of scope."""
    if len(delivery_id) > 64:
        raise not_found()
    with ctx.reads() as session:
        found = reads.delivery_with_case(session, user.principal, delivery_id)
    if found is None or found[0].channel != "callback_96110":
        raise not_found()
    return found[0].case_id


def _refused(request: Request, ctx: Context, user: ConsoleUser, error: Exception
             ) -> HTMLResponse:
    if isinstance(error, desk.Taken):
        text, status = words.desk_words("taken", by=error.by), 409
    elif isinstance(error, desk.NotHeld):
        text, status = words.DESK["not_held"], 409
    elif isinstance(error, InvalidResult):
        text, status = words.DESK["bad_result"], 422
    else:
        text, status = words.DESK["gone"], 409
    return _page(request, ctx, user, status, {"kind": "error", "text": text})


@router.post("/callbacks/{delivery_id}/claim")
def claim(request: Request, ctx: Ctx, user: Poster, delivery_id: str) -> Response:
    case_id = _callback_in_scope(ctx, user, delivery_id)
    try:
        with audited(ctx, user.principal, "callback_claim", delivery_id, case=case_id,
                     via="console"):
            desk.claim_callback(ctx, delivery_id, user.name)
    except (Rejected, Missing) as error:
        return _refused(request, ctx, user, error)
    return redirect(f"/callbacks?msg=claimed#cb-{delivery_id}")


@router.post("/callbacks/{delivery_id}/release")
def release(request: Request, ctx: Ctx, user: Poster, delivery_id: str) -> Response:
    case_id = _callback_in_scope(ctx, user, delivery_id)
    try:
        with audited(ctx, user.principal, "callback_release", delivery_id, case=case_id,
                     via="console"):
            desk.release_callback(ctx, delivery_id, user.principal)
    except Rejected as error:
        return _refused(request, ctx, user, error)
    return redirect("/callbacks?msg=released")


@router.post("/callbacks/{delivery_id}/result")
def result(request: Request, ctx: Ctx, user: Poster, outbox: Outbox, delivery_id: str,
           result: Annotated[str, Form(max_length=32)], note: Note = "") -> Response:
    """A call's result. The operator holds the claim (one not yet claimed is claimed now):
    two operators never report one call. `hung_up` and `no_answer` keep the claim, and the
    callback stays on the operator's list to dial again."""
    case_id = _callback_in_scope(ctx, user, delivery_id)
    written = typed_text(note)
    if result not in words.CALLBACK_RESULTS:
        return _refused(request, ctx, user, InvalidResult(result))
    try:
        with audited(ctx, user.principal, "result", delivery_id, case=case_id,
                     result=result, note=written, via="console_callbacks"):
            desk.claim_callback(ctx, delivery_id, user.name)
            _, work = report_result(ctx, delivery_id, result, user.name, written)
            outbox(work)
    except (Rejected, InvalidResult, Missing) as error:
        return _refused(request, ctx, user, error)
    return redirect(f"/callbacks?msg=result#cb-{delivery_id}")
