"""`/dashboard`: today and the last 30 days, for officers (their district) and admins."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from warn.access.audit import audited
from warn.console import pages_reports
from warn.console.dashboard import dashboard
from warn.console.digest import district_names
from warn.console.web import Desk, render
from warn.deps import Ctx

router = APIRouter(include_in_schema=False)
# The exports and the case sheet go with the dashboard: reporting upward, one registration.
router.include_router(pages_reports.router)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, ctx: Ctx, user: Desk) -> HTMLResponse:
    # Aggregates only, no one's personal data: recorded as a plain page view.
    with audited(ctx, user.principal, "console_dashboard", "dashboard", kind="read"):
        view = dashboard(ctx, user.principal)
    own = user.principal.district
    with ctx.reads() as session:
        names = district_names(session, {own} if own else set())
    # An officer's district by its registered name (万州区), not its id
    return render(request, "dashboard.html", user, district_name=names.get(own or "", own),
                  **view)
