"""`/audit`: the audit log for admins — who did or saw what, when — newest first, filtered
by person, action, or case."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from warn.api.audit import audit
from warn.api.auth import Ctx
from warn.console.web import Admin, render
from warn.store.models import Audit

router = APIRouter(include_in_schema=False)
PAGE = 100
Filter = Annotated[str, Query(max_length=128)]


def audit_rows(session: Session, actor: str, action: str, target: str,
               before: int | None) -> list[Audit]:
    conditions: list[ColumnElement[bool]] = []
    if actor:
        conditions.append(Audit.actor == actor)
    if action:
        conditions.append(Audit.action == action)
    if target:
        # A case id is found in its own rows, its deliveries' (`<case>-3`), the URLs refused
        # (`/cases/<case>/…`) and the list pages that showed it (in `detail`). A scan, but
        # bounded by the page size and only ever run by an admin.
        conditions.append(or_(Audit.target.contains(target, autoescape=True),
                              Audit.detail.contains(target, autoescape=True)))
    if before is not None:
        conditions.append(Audit.id < before)
    query = select(Audit).where(*conditions).order_by(Audit.id.desc()).limit(PAGE)
    return list(session.scalars(query))


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, ctx: Ctx, user: Admin, actor: Filter = "",
               action: Filter = "", target: Filter = "",
               before: Annotated[int | None, Query(ge=1)] = None) -> HTMLResponse:
    filters = {"actor": actor.strip(), "action": action.strip(), "target": target.strip()}
    with ctx.reads() as session:
        rows = audit_rows(session, before=before, **filters)
    audit(ctx, user.principal, "console_audit", "audit", filters=filters)
    older: dict[str, Any] | None = None
    if len(rows) == PAGE:
        older = {**filters, "before": rows[-1].id}
    return render(request, "audit.html", user, rows=rows, filters=filters, older=older)
