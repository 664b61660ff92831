"""`/audit`: the audit log for admins — who did or saw what, when — newest first, filtered
by person, action, or case."""

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from warn.access.audit import audit
from warn.access.masking import masked_form
from warn.console.web import ROW_ID_MAX, Admin, render
from warn.deps import Ctx
from warn.store.models import Audit
from warn.textview import as_digits, normalised

router = APIRouter(include_in_schema=False)
PAGE = 100
Filter = Annotated[str, Query(max_length=128)]
# 7 digits or more, however spelled, that are not part of an id (case and delivery ids are
# hex, `<case>-3`): a phone number, or near enough to be treated as one.
_NUMBER = re.compile(r"(?<![A-Za-z0-9])(\+|00)?([0-9](?:[\W_]{0,3}[0-9]){6,})(?![A-Za-z0-9])")
_HOME_COUNTRY = "86"  # the calling code of a number typed without one


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
               before: Annotated[int | None, Query(ge=1, le=ROW_ID_MAX)] = None) -> HTMLResponse:
    filters = {"actor": actor.strip(), "action": action.strip(), "target": target.strip()}
    with ctx.reads() as session:
        rows = audit_rows(session, before=before, **filters)
    audit(ctx, user.principal, "console_audit", "audit",
          filters={key: unpersonal(value) for key, value in filters.items()})
    older: dict[str, Any] | None = None
    if len(rows) == PAGE:
        older = {**filters, "before": rows[-1].id}
    return render(request, "audit.html", user, rows=rows, filters=filters, older=older)


def unpersonal(term: str) -> str:
    """A search term as the audit trail keeps it: every phone number in it masked
    (`138****5678`); a term without one as typed.

    The trail records that an admin searched, and for roughly what; it must not become a
    list of the numbers people looked up, kept for as long as the trail is. Masked rather
    than a keyed hash: the masked form is the one the contract already deems fit for
    readers outside the duty room and stays readable to whoever reviews the trail, while a
    hash of a phone number is undone by trying the hundred million numbers of a prefix by
    anyone holding the key, so it would still be personal data to keep safe."""
    seen = normalised(term)
    # A number in Chinese numerals (一三八…, 壹叁捌…) is searched for as one, so it is masked
    # as one: read the numerals as digits when the term as written holds no number.
    for text in (seen, as_digits(seen)):
        if _NUMBER.search(text) is not None:
            return _NUMBER.sub(_masked, text)
    return term


def _masked(match: re.Match[str]) -> str:
    digits = "".join(char for char in match[2] if char.isdigit())
    if not match[1]:
        # A national spelling: drop the trunk 0, and a calling code typed without its +.
        if digits.startswith("0"):
            digits = digits[1:]
        elif not (digits.startswith(_HOME_COUNTRY) and len(digits) > 11):
            digits = _HOME_COUNTRY + digits
    return masked_form("+" + digits)
