"""Reporting upward: `/export/cases.csv` and `/export/dashboard.csv` for officers (their
district) and admins, and `/cases/{id}/sheet`, the printable case sheet (案件单). Each is a
read, written down before it is answered: the exports with their filters (never a number
or a name) and the cases they carried, the sheet like the case page."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from warn import vocabulary as labels
from warn.access import reads
from warn.access.audit import audited
from warn.console import exports
from warn.console.case_view import case_view
from warn.console.dashboard import dashboard
from warn.console.reporting import at_risk_of, money_of
from warn.console.web import Desk, PageError, not_found, render
from warn.deps import Ctx
from warn.render import LOCAL_TZ, yuan

router = APIRouter(include_in_schema=False)


def _csv(text: str, name: str) -> Response:
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.get("/export/cases.csv")
def export_cases(ctx: Ctx, user: Desk, start: str = "", end: str = "",
                 state: str = "") -> Response:
    """The cases opened from `start` to `end` (Beijing dates, both included), in `state`."""
    try:
        query = exports.case_query(start[:32], end[:32], state[:32],
                                   ctx.now().astimezone(LOCAL_TZ).date())
    except exports.ExportError as error:
        raise PageError(422, "无法导出", str(error)) from None
    with audited(ctx, user.principal, "export_cases", "cases.csv", kind="read",
                 **query.described()) as noted, ctx.reads() as session:
        try:
            ids, rows = exports.case_rows(session, user.principal, query)
        except exports.ExportError as error:
            raise PageError(422, "无法导出", str(error)) from None
        noted["cases"] = ids
    return _csv(exports.to_csv(labels.CASE_EXPORT_HEADERS, rows),
                exports.file_name("cases", ctx.now()))


@router.get("/export/dashboard.csv")
def export_dashboard(ctx: Ctx, user: Desk) -> Response:
    # Aggregates only, no one's personal data: a plain read of the dashboard.
    with audited(ctx, user.principal, "export_dashboard", "dashboard.csv", kind="read",
                 period="30d"):
        view = dashboard(ctx, user.principal)
    return _csv(exports.to_csv(labels.DASHBOARD_EXPORT_HEADERS, exports.dashboard_rows(view)),
                exports.file_name("dashboard", ctx.now()))


@router.get("/cases/{case_id}/sheet", response_class=HTMLResponse)
def case_sheet(request: Request, ctx: Ctx, user: Desk, case_id: str) -> HTMLResponse:
    if len(case_id) > 64:
        raise not_found()
    with (audited(ctx, user.principal, "console_case_sheet", case_id, kind="read"),
          ctx.reads() as session):
        row = reads.readable_case(session, user.principal, case_id)
        if row is None:
            raise not_found()
        view = case_view(session, user.principal, row)
        money = money_of(at_risk_of(session, [case_id]).get(case_id, 0.0), row.outcome)
    # A sheet is read long after: its dates carry the year.
    dates = {"printed": exports.stamp_full(ctx.now()), "opened": exports.stamp_full(row.opened_at),
             "resolved": exports.stamp_full(row.resolved_at) or "—"}
    return render(request, "case_sheet.html", user, case=view, dates=dates,
                  money=_money_words(money.at_risk, money.saved, money.lost))


def _money_words(at_risk: float, saved: float, lost: float) -> dict[str, str]:
    return {"at_risk": yuan(at_risk) if at_risk else "—", "saved": yuan(saved),
            "lost": yuan(lost)}

