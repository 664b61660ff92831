"""A case's owner (承办人) and its internal notes: taken, released and handed on from the
case page, notes written there. Officers and admins only: liaisons and teams never see
notes, and the case page they are shown on is the duty room's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response
from sqlalchemy.orm import Session

from warn import vocabulary as words
from warn.access import reads
from warn.access.audit import audited
from warn.access.principal import Principal
from warn.console.sessions import ConsoleUser
from warn.console.web import PageError, Poster, not_found, redirect
from warn.deps import Ctx
from warn.domain.events import Missing, Rejected
from warn.service import desk
from warn.service.context import Context
from warn.text import typed_text

router = APIRouter(include_in_schema=False)
NOTICES = {"taken": "taken_ok", "released": "released_case_ok", "noted": "noted_ok",
           "handed": "handed_ok"}


def desk_of_case(session: Session, user: Principal, case_id: str) -> dict[str, Any]:
    """What the case page's 承办与备注 panel shows (officers and admins only; {} otherwise)."""
    if user.role not in ("officer", "admin"):
        return {}
    found = desk.case_desk(session, case_id)
    found["officers"] = [name for name in desk.officers_for(session, case_id)
                         if name != found["owner"]]
    return found


def desk_notice(msg: str) -> dict[str, str] | None:
    """The banner after one of this module's actions (`?msg=` on the case page)."""
    key = NOTICES.get(msg)
    return {"kind": "ok", "text": words.DESK[key]} if key else None


def _act(ctx: Context, user: ConsoleUser, case_id: str, action: str,
         run: Callable[[], Any], done: str, **detail: Any) -> Response:
    if user.role not in ("officer", "admin"):
        raise PageError(403, "无权处理", "您的岗位不能处理案件。")
    if len(case_id) > 64:
        raise not_found()
    with ctx.reads() as session:
        if reads.readable_case(session, user.principal, case_id) is None:
            raise not_found()
    try:
        with audited(ctx, user.principal, action, case_id, via="console", **detail):
            run()
    except desk.Taken as error:
        raise PageError(409, "未能办理", words.desk_words("case_taken", by=error.by)) from None
    except desk.NotHeld:
        raise PageError(409, "未能办理", words.DESK["case_not_held"]) from None
    except desk.NoSuchOfficer:
        raise PageError(409, "未能转交", words.desk_words(
            "no_such_officer", to=detail.get("to", ""))) from None
    except (Rejected, Missing):
        raise PageError(409, "未能办理", words.DESK["case_resolved"]) from None
    return redirect(f"/cases/{case_id}?msg={done}#case-desk")


@router.post("/cases/{case_id}/owner/take")
def take(ctx: Ctx, user: Poster, case_id: str) -> Response:
    return _act(ctx, user, case_id, "case_take",
                lambda: desk.take_case(ctx, case_id, user.name), "taken")


@router.post("/cases/{case_id}/owner/release")
def release(ctx: Ctx, user: Poster, case_id: str) -> Response:
    return _act(ctx, user, case_id, "case_release",
                lambda: desk.release_case(ctx, case_id, user.principal), "released")


@router.post("/cases/{case_id}/owner/hand")
def hand(ctx: Ctx, user: Poster, case_id: str,
         to: Annotated[str, Form(max_length=64)]) -> Response:
    target = to.strip()
    return _act(ctx, user, case_id, "case_hand",
                lambda: desk.hand_case(ctx, case_id, target, user.principal),
                "handed", to=target)


@router.post("/cases/{case_id}/notes")
def add_note(ctx: Ctx, user: Poster, case_id: str,
             text: Annotated[str, Form(max_length=2000)] = "") -> Response:
    written = typed_text(text)
    if written is None:
        raise PageError(422, "未添加", words.DESK["empty_note"])
    # The note's text is not repeated in the audit row: the row says a note was written,
    # the note itself is kept once, where the purge finds it.
    return _act(ctx, user, case_id, "case_note",
                lambda: desk.add_note(ctx, case_id, user.name, written), "noted",
                length=len(written))
