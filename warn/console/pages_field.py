"""`/school` and `/team`: the pages liaison staff and mobile teams work from, on a phone,
kept live by polling; and the result buttons of every page (`/deliveries/{id}/result`)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from warn.access import reads
from warn.access.audit import audited
from warn.access.errors import AccessError
from warn.access.scope import check_may_report
from warn.config import duty_phone
from warn.console import lists
from warn.console.field_view import field_keys, field_view
from warn.console.formats import iso
from warn.console.sessions import ConsoleUser
from warn.console.web import (
    HOME,
    PageError,
    Poster,
    not_found,
    redirect,
    render,
    roles,
    safe_next,
    templates,
)
from warn.deps import Ctx, Outbox
from warn.domain.events import InvalidResult, Rejected
from warn.service.actions import report_result
from warn.service.context import Context
from warn.text import typed_text
from warn.vocabulary import RESULTS

router = APIRouter(include_in_schema=False)
Liaison = Annotated[ConsoleUser, Depends(roles("liaison"))]
Team = Annotated[ConsoleUser, Depends(roles("team"))]
PAGES = {"liaison": ("school.html", "console_school"), "team": ("team.html", "console_team")}


def _where(user: ConsoleUser) -> str:
    """The audit target of a field page: the school or the team whose list was shown."""
    if user.role == "liaison":
        return f"school:{user.principal.school}"
    return f"team:{user.principal.team}"


def _page(request: Request, ctx: Context, user: ConsoleUser, msg: str) -> HTMLResponse:
    view = _shown_view(ctx, user, field_keys(ctx, user))
    notice = {"kind": "ok", "text": f"已反馈：{RESULTS[msg]}"} if msg in RESULTS else None
    return render(request, PAGES[user.role][0], user, notice=notice, now=iso(ctx.now()),
                  duty_phone=duty_phone(), **view)


def _poll(ctx: Context, user: ConsoleUser, have: str) -> dict[str, Any]:
    keys = field_keys(ctx, user)
    sig = lists.signature(keys)
    if have == sig:  # nothing new: no personal data goes out, nothing to audit
        return {"sig": sig, "now": iso(ctx.now()), "same": True}
    view = _shown_view(ctx, user, keys)
    html = templates().get_template("console/_field_cards.html").render(user=user, **view)
    return {"sig": sig, "now": iso(ctx.now()), "same": False, "html": html,
            "counts": view["counts"]}


def _shown_view(ctx: Context, user: ConsoleUser, keys: lists.Keys) -> dict[str, Any]:
    """The cards of these cases, written down as shown to `user` before anyone sees them."""
    with audited(ctx, user.principal, PAGES[user.role][1], _where(user), kind="read") as noted:
        view = field_view(ctx, user, keys)
        noted["cases"] = [card["head"]["id"] for card in view["cards"]]
    return view


@router.get("/school", response_class=HTMLResponse)
def school_page(request: Request, ctx: Ctx, user: Liaison, msg: str = "") -> HTMLResponse:
    return _page(request, ctx, user, msg)


@router.get("/school.json")
def school_poll(ctx: Ctx, user: Liaison, have: str = "") -> dict[str, Any]:
    return _poll(ctx, user, have)


@router.get("/team", response_class=HTMLResponse)
def team_page(request: Request, ctx: Ctx, user: Team, msg: str = "") -> HTMLResponse:
    return _page(request, ctx, user, msg)


@router.get("/team.json")
def team_poll(ctx: Ctx, user: Team, have: str = "") -> dict[str, Any]:
    return _poll(ctx, user, have)


@router.post("/deliveries/{delivery_id}/result")
def post_result(ctx: Ctx, user: Poster, outbox: Outbox, delivery_id: str,
                result: Annotated[str, Form(max_length=32)],
                note: Annotated[str, Form(max_length=500)] = "",
                next: Annotated[str, Form(max_length=512)] = "") -> Response:
    """A result from a person: the same rules as POST /v1/deliveries/{id}/result."""
    case_id = _reportable(ctx, user, delivery_id)
    written = typed_text(note)
    try:
        with audited(ctx, user.principal, "result", delivery_id, result=result, note=written,
                     via="console"):
            _, work = report_result(ctx, delivery_id, result, user.name, written)
            outbox(work)
    except (Rejected, InvalidResult) as error:
        status = 409 if isinstance(error, Rejected) else 422
        raise PageError(status, "未能记录", "这个反馈不适用于这条消息。") from None
    back = safe_next(next, HOME.get(user.role, "/"))
    return redirect(f"{back.split('?')[0].split('#')[0]}?msg={result}#case-{case_id}")


def _reportable(ctx: Context, user: ConsoleUser, delivery_id: str) -> str:
    """The delivery's case id, when its case is readable (else 404) and the user may report
    on it (else 403) — the same order as the API, so a 403 never tells a case exists."""
    with ctx.reads() as session:
        found = reads.delivery_with_case(session, user.principal, delivery_id)
    if found is None:
        raise not_found()
    delivery = found[0]
    try:
        check_may_report(user.principal, delivery.channel, delivery.recipient)
    except AccessError:
        raise PageError(403, "无权反馈", "您不能对这条消息反馈结果。") from None
    return delivery.case_id
