"""`/roster`: the duty roster (值班表). Officers sign themselves on and off; an admin signs
anyone on or off and names the shift supervisor (值班领导)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from warn import vocabulary as words
from warn.access.audit import audit, audited
from warn.console.web import Desk, PageError, Poster, redirect, render
from warn.deps import Ctx
from warn.service import roster
from warn.service.roster import RosterError

router = APIRouter(include_in_schema=False)
ACTIONS = ("on", "off", "lead", "unlead")
Name = Annotated[str, Form(max_length=64)]


@router.get("/roster", response_class=HTMLResponse)
def roster_page(request: Request, ctx: Ctx, user: Desk, done: str = "",
                who: str = "") -> HTMLResponse:
    district = user.principal.district
    rows = roster.roster(ctx, district, everyone=user.role == "admin" or district is None)
    audit(ctx, user.principal, "console_roster", "roster")
    notice = None
    # Only a name on the roster is said back: a crafted link must not put its own words
    # (a number to call) into a success banner.
    if done in _DONE and any(row.name == who for row in rows):
        notice = {"kind": "ok", "text": words.ROSTER[_DONE[done]].format(name=who)}
    return render(request, "roster.html", user, rows=rows, notice=notice,
                  anyone_on=any(r.on_shift for r in rows))


_DONE = {"on": "signed_on", "off": "signed_off", "was_off": "was_off", "lead": "lead_set",
         "unlead": "lead_unset"}


@router.post("/roster")
def change_roster(ctx: Ctx, user: Poster, name: Name,
                  action: Annotated[str, Form(max_length=16)]) -> Response:
    if user.role not in ("officer", "admin"):
        raise PageError(403, "无权访问", "这个页面不属于您的岗位。")
    if action not in ACTIONS:
        raise PageError(422, words.ROSTER["refused"], "未知的操作。")
    if user.role != "admin" and (name != user.name or action in ("lead", "unlead")):
        raise PageError(403, words.ROSTER["refused"], words.ROSTER["not_yours"],
                        audit_as="refused")
    audit_as = {"on": "roster_on", "off": "roster_off"}.get(action, "roster_lead")
    try:
        with audited(ctx, user.principal, audit_as, f"roster:{name}", change=action,
                     via="console"):
            done = _apply(ctx, name, action, user.name)
    except RosterError as error:
        raise PageError(409, words.ROSTER["refused"], str(error)) from None
    return redirect(f"/roster?done={done}&who={name}")


def _apply(ctx: Ctx, name: str, action: str, by: str) -> str:
    if action == "on":
        roster.sign_on(ctx, name, by)
        return "on"
    if action == "off":
        return "off" if roster.sign_off(ctx, name) else "was_off"
    roster.set_lead(ctx, name, action == "lead", by)
    return action
