"""`/search?q=`: a case found by the subject's number in any spelling, name, student number
or case id (or its beginning); `/history`: resolved cases of any age, newest first. Both
in the reader's scope, open and resolved alike for search, and audited as reads — the
search with its term masked (`unpersonal`), so that the trail never becomes a list of the
numbers people looked up."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import ColumnElement, and_, case, or_, select
from sqlalchemy.orm import Session

from warn import vocabulary as words
from warn.access.audit import audited
from warn.access.errors import AccessError
from warn.access.masking import national_number
from warn.access.principal import Principal
from warn.access.reads import decode_cursor, encode_cursor
from warn.access.scope import case_scope
from warn.console.digest import Digest, digests
from warn.console.pages_audit import unpersonal
from warn.console.sessions import ConsoleUser
from warn.console.web import Desk, PageError, Poster, render
from warn.deps import Ctx
from warn.render import LOCAL_TZ
from warn.service.context import Context
from warn.store.models import CaseRow
from warn.textview import as_digits, normalised

router = APIRouter(include_in_schema=False)
SEARCH_LIMIT = 50
HISTORY_PAGE = 50
Term = Annotated[str, Query(max_length=128)]
Day = Annotated[str, Query(max_length=10)]
_HOME = "86"
_CASE_ID = re.compile(r"[0-9a-f]{4,32}")
# What a number may be written with besides digits: spaces, dots, dashes, slashes,
# brackets, a leading + (full-width forms are ASCII once normalised; invisible ones gone).
_NUMBER_ONLY = re.compile(r"\+?[\s0-9()\[\].\-/_·,，、]+")
_MIN_DIGITS = 5


def number_candidates(term: str) -> set[str]:
    """The E.164 numbers `term` may spell: `１３８ １２３４ ５６７８`, `(0)138-1234-5678`,
    `+86 138…`, `0086 138…`, `86138…`, Chinese numerals (一三八…); empty when `term` is
    not a number."""
    seen = normalised(term).strip()
    for text in (seen, as_digits(seen)):
        if _NUMBER_ONLY.fullmatch(text):
            break
    else:
        return set()
    digits = "".join(char for char in text if char.isdigit())
    if len(digits) < _MIN_DIGITS:
        return set()
    found = {"+" + digits} if text.startswith("+") else set()
    if digits.startswith("00"):
        found.add("+" + digits[2:])
    elif digits.startswith("0"):
        found.add("+" + _HOME + digits[1:])
    elif digits.startswith(_HOME) and len(digits) > 11:
        found.add("+" + digits)
    if not text.startswith("+"):
        found.add("+" + _HOME + digits)
    # `+86 (0)138…`: the trunk 0 written after the calling code, as on business cards.
    home = "+" + _HOME
    found |= {home + number[len(home) + 1:] for number in found
              if number.startswith(home + "0")}
    # A number with the subject's national digits however the prefix was written.
    return {number for number in found if national_number(number)}


def _conditions(term: str) -> list[ColumnElement[bool]]:
    """Each way `term` may name a case."""
    conditions: list[ColumnElement[bool]] = []
    numbers = number_candidates(term)
    if numbers:
        conditions.append(CaseRow.msisdn.in_(sorted(numbers)))
    typed = normalised(term).strip()
    lowered = typed.lower()
    if _CASE_ID.fullmatch(lowered):
        conditions.append(CaseRow.id.startswith(lowered, autoescape=True))
    conditions.append(CaseRow.aggregate[("subject", "student_no")].as_string() == typed)
    if not numbers:
        conditions.append(CaseRow.aggregate[("subject", "name")].as_string()
                          .contains(typed, autoescape=True))
    return conditions


def search_cases(session: Session, user: Principal, term: str,
                 limit: int = SEARCH_LIMIT) -> list[tuple[str, int]]:
    """Cases in scope that `term` names, open ones first, then the newest."""
    query = (select(CaseRow.id, CaseRow.version)
             .where(case_scope(user), CaseRow.msisdn != "", or_(*_conditions(term)))
             .order_by(case((CaseRow.state == "open", 0), else_=1), CaseRow.opened_at.desc(),
                       CaseRow.id).limit(limit))
    return [(row.id, row.version) for row in session.execute(query)]


def _in_order(found: dict[str, Digest], keys: list[tuple[str, int]]) -> list[Digest]:
    return [found[case_id] for case_id, _ in keys if case_id in found]


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, ctx: Ctx, user: Desk, q: Term = "") -> HTMLResponse:
    return _search(request, ctx, user, q)


@router.post("/search", response_class=HTMLResponse)
def search_posted(request: Request, ctx: Ctx, user: Poster,
                  q: Annotated[str, Form(max_length=128)] = "") -> HTMLResponse:
    """What the console's search boxes send: posted, so that a number looked up does not
    land in the browser's history and address bar on a shared duty-room machine."""
    if user.role not in ("officer", "admin"):
        raise PageError(403, "无权访问", "这个页面不属于您的岗位。")
    return _search(request, ctx, user, q)


def _search(request: Request, ctx: Context, user: ConsoleUser, q: str) -> HTMLResponse:
    term = q.strip()
    shown: list[dict[str, Any]] = []
    notice = None
    if term and len(normalised(term).strip()) < 2:
        notice = {"kind": "error", "text": words.DESK["search_short"]}
    elif term:
        with (audited(ctx, user.principal, "console_search", "search", kind="read",
                      query=unpersonal(term)) as noted,
              ctx.reads() as session):
            keys = search_cases(session, user.principal, term)
            shown = _in_order(digests(session, keys), keys)
            noted["cases"] = [row["id"] for row in shown]
    return render(request, "search.html", user, notice=notice, q=term, rows=shown,
                  limit=SEARCH_LIMIT)


# --- history ---------------------------------------------------------------------------------

def _day(value: str, field: str) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
        if not 2000 <= day.year <= 2999:  # the calendar's ends overflow once moved to UTC
            raise ValueError(value)
    except ValueError:
        raise AccessError(422, "invalid_request", words.DESK["bad_date"], field) from None
    return datetime.combine(day, time(), LOCAL_TZ)


def history_keys(session: Session, user: Principal, *, since: datetime | None,
                 until: datetime | None, outcome: str, cursor: str | None,
                 limit: int = HISTORY_PAGE) -> tuple[list[tuple[str, int]], str | None]:
    """A page of resolved cases, newest resolution first, and the next page's cursor."""
    conditions: list[ColumnElement[bool]] = [CaseRow.state == "resolved", case_scope(user)]
    if since is not None:
        conditions.append(CaseRow.resolved_at >= since)
    if until is not None:
        conditions.append(CaseRow.resolved_at < until)
    if outcome:
        conditions.append(CaseRow.outcome == outcome)
    if cursor:
        at, case_id = decode_cursor(cursor)
        conditions.append(or_(CaseRow.resolved_at < at,
                              and_(CaseRow.resolved_at == at, CaseRow.id < case_id)))
    rows = session.execute(select(CaseRow.id, CaseRow.version, CaseRow.resolved_at)
                           .where(*conditions)
                           .order_by(CaseRow.resolved_at.desc(), CaseRow.id.desc())
                           .limit(limit + 1)).all()
    keys = [(row.id, row.version) for row in rows[:limit]]
    if len(rows) <= limit:
        return keys, None
    last = rows[limit - 1]
    return keys, encode_cursor(last.resolved_at, last.id)


@router.get("/history", response_class=HTMLResponse)
def history_page(request: Request, ctx: Ctx, user: Desk, start: Day = "", end: Day = "",
                 outcome: Annotated[str, Query(max_length=32)] = "",
                 cursor: Annotated[str, Query(max_length=256)] = "") -> HTMLResponse:
    filters = {"start": start.strip(), "end": end.strip(),
               "outcome": outcome if outcome in words.OUTCOMES else ""}
    notice = None
    try:
        since = _day(filters["start"], "start")
        until_day = _day(filters["end"], "end")
    except AccessError as error:
        since = until_day = None
        notice = {"kind": "error", "text": error.message}
        filters["start"] = filters["end"] = ""
    until = until_day + timedelta(days=1) if until_day is not None else None
    with (audited(ctx, user.principal, "console_history", "history", kind="read",
                  filters=filters) as noted,
          ctx.reads() as session):
        try:
            keys, after = history_keys(session, user.principal, since=since, until=until,
                                       outcome=filters["outcome"], cursor=cursor or None)
        except AccessError:
            notice = {"kind": "error", "text": words.DESK["bad_cursor"]}
            keys, after = history_keys(session, user.principal, since=since, until=until,
                                       outcome=filters["outcome"], cursor=None)
        rows = _in_order(digests(session, keys), keys)
        noted["cases"] = [row["id"] for row in rows]
    return render(request, "history.html", user, notice=notice, rows=rows, filters=filters,
                  after=after, paged=bool(cursor),
                  outcomes=list(words.OUTCOMES.items()))
