"""`/cases/{id}`: one case for the duty room, and the officers' actions on it (confirm or
decline a stage, escalate, record an outcome). An action that no longer applies — someone
else was faster — answers 409 with the page as it is now and says so."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from warn import vocabulary as labels
from warn.access import reads
from warn.access.audit import audited
from warn.access.errors import AccessError
from warn.access.scope import ACTORS, check_may_act
from warn.console.case_view import case_view
from warn.console.formats import iso
from warn.console.lists import signature
from warn.console.pages_notes import desk_notice, desk_of_case
from warn.console.sessions import ConsoleUser
from warn.console.web import HOME, PageError, Poster, Viewer, not_found, redirect, render
from warn.deps import Ctx, Outbox
from warn.domain.case import Case
from warn.domain.events import InvalidResult, Rejected
from warn.service import actions
from warn.service.actions import Done
from warn.service.context import Context
from warn.store.models import Delivery
from warn.text import typed_text
from warn.vocabulary import RESULTS
from warn.work import HandOff

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=500)]
TeamId = Annotated[str, Form(max_length=64)]

STALE = {
    "confirm": "这一级已不在等待确认——可能其他值班员刚刚处理过。下面是案件的最新状态。",
    "decline": "这一级已不在等待确认——可能其他值班员刚刚处理过。下面是案件的最新状态。",
    "escalate": "当前没有可以升级的阶段（案件可能已结案或阶梯已用尽）。",
    "outcome": "案件已经结案——可能其他人刚刚记录了结果。下面是案件的最新状态。",
    "confirm_team": "没有派出：所选的机动队刚刚忙碌或已不存在，或者这一级已被其他值班员处理。"
                    "请看下面的最新状态后重新选择。",
    "team_now": "没有派出：所选的机动队刚刚忙碌，或者阶梯中已没有可派的机动队阶段。"
                "请看下面的最新状态后重新选择。",
}


def _readable(ctx: Context, user: ConsoleUser, case_id: str) -> None:
    if len(case_id) > 64:
        raise not_found()
    with ctx.reads() as session:
        if reads.readable_case(session, user.principal, case_id) is None:
            raise not_found()


def show_case(request: Request, ctx: Context, user: ConsoleUser, case_id: str,
              status: int = 200, notice: dict[str, str] | None = None) -> HTMLResponse:
    with (audited(ctx, user.principal, "console_case", case_id, kind="read"),
          ctx.reads() as session):
        row = reads.readable_case(session, user.principal, case_id)
        if row is None:
            raise not_found()
        view = case_view(session, user.principal, row)
        desk_panel = desk_of_case(session, user.principal, case_id)
    return render(request, "case.html", user, status, case=view, notice=notice,
                  desk=desk_panel,
                  sig=_signature(ctx, case_id, view["version"]), now=iso(ctx.now()))


def _signature(ctx: Context, case_id: str, version: int) -> str:
    """Changes when the case or any of its deliveries (sent, failed) changes."""
    with ctx.reads() as session:
        states = [(f"{d_id}/{state}", 0) for d_id, state in session.execute(
            select(Delivery.id, Delivery.state).where(Delivery.case_id == case_id))]
    return signature([(case_id, version)], states)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, ctx: Ctx, user: Viewer, case_id: str, msg: str = "") -> Response:
    _readable(ctx, user, case_id)
    if user.role not in ACTORS:  # liaisons and teams work from their own pages
        return redirect(f"{HOME[user.role]}#case-{case_id}")
    words = labels.NOTICES.get(msg) or (f"已反馈：{RESULTS[msg]}" if msg in RESULTS else None)
    notice = {"kind": "ok", "text": words} if words else desk_notice(msg)
    return show_case(request, ctx, user, case_id, notice=notice)


@router.get("/cases/{case_id}/state.json")
def case_state(ctx: Ctx, user: Viewer, case_id: str) -> dict[str, Any]:
    """What the open page polls: a signature that changes when the case does."""
    if len(case_id) > 64:
        raise not_found(json=True)
    with ctx.reads() as session:
        row = reads.readable_case(session, user.principal, case_id)
        if row is None:
            raise not_found(json=True)
        version = row.version
    return {"sig": _signature(ctx, case_id, version)}


def _act(request: Request, ctx: Context, outbox: HandOff, user: ConsoleUser, case_id: str,
         action: str, done: str, run: Callable[[], Done], stale: str | None = None,
         **detail: Any) -> Response:
    _readable(ctx, user, case_id)
    try:
        check_may_act(user.principal)
    except AccessError:
        raise PageError(403, "无权处理", "您的岗位不能处理案件。") from None
    try:
        with audited(ctx, user.principal, action, case_id, via="console", **detail):
            after, work = run()
            outbox(work)
    except (Rejected, InvalidResult) as error:
        is_stale = isinstance(error, Rejected)
        text = STALE[stale or action] if is_stale else "所选的结果不适用，请重新选择。"
        return show_case(request, ctx, user, case_id, 409 if is_stale else 422,
                         {"kind": "error", "text": text})
    return redirect(f"/cases/{case_id}?msg={_what_happened(done, after)}")


def _what_happened(done: str, case: Case) -> str:
    """The banner says what really happened: a confirmed team stage may still be waiting
    for a free team, and a declined or escalated last stage leaves the ladder exhausted."""
    stage = case.current_stage()
    if done in ("confirmed", "team_sent") and stage is not None and stage.waiting_team:
        return f"{done}_no_team"
    if done in ("declined", "escalated") and case.ladder == "exhausted":
        return f"{done}_last"
    return done


@router.post("/cases/{case_id}/confirm")
def confirm(request: Request, ctx: Ctx, user: Poster, outbox: Outbox, case_id: str,
            stage: Annotated[int, Form()], team: TeamId = "") -> Response:
    chosen = team.strip() or None
    return _act(request, ctx, outbox, user, case_id, "confirm", "confirmed",
                lambda: actions.confirm(ctx, case_id, stage, user.name, chosen),
                stale="confirm_team" if chosen else None, stage=stage,
                **({"team": chosen} if chosen else {}))


@router.post("/cases/{case_id}/team-now")
def team_now(request: Request, ctx: Ctx, user: Poster, outbox: Outbox, case_id: str,
             team: TeamId = "", reason: Text = "") -> Response:
    """Send a mobile team at once: one step, no second confirmation."""
    chosen, why = team.strip() or None, typed_text(reason)
    return _act(request, ctx, outbox, user, case_id, "team_now", "team_sent",
                lambda: actions.send_team_now(ctx, case_id, user.name, chosen, why),
                reason=why, **({"team": chosen} if chosen else {}))


@router.post("/cases/{case_id}/decline")
def decline(request: Request, ctx: Ctx, user: Poster, outbox: Outbox, case_id: str,
            stage: Annotated[int, Form()], reason: Text = "") -> Response:
    why = typed_text(reason)
    return _act(request, ctx, outbox, user, case_id, "decline", "declined",
                lambda: actions.decline(ctx, case_id, stage, user.name, why),
                stage=stage, reason=why)


@router.post("/cases/{case_id}/escalate")
def escalate(request: Request, ctx: Ctx, user: Poster, outbox: Outbox, case_id: str,
             reason: Text = "") -> Response:
    why = typed_text(reason)
    return _act(request, ctx, outbox, user, case_id, "escalate", "escalated",
                lambda: actions.escalate(ctx, case_id, user.name, why), reason=why)


@router.post("/cases/{case_id}/outcome")
def outcome(request: Request, ctx: Ctx, user: Poster, outbox: Outbox, case_id: str,
            outcome: Annotated[str, Form(max_length=32)], note: Text = "") -> Response:
    why = typed_text(note)
    return _act(request, ctx, outbox, user, case_id, "outcome", "resolved",
                lambda: actions.record_outcome(ctx, case_id, outcome, user.name, why),
                outcome=outcome, note=why)
