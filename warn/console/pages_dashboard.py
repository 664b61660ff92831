"""`/dashboard`: today and the last 30 days, for officers (their district) and admins."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from warn.access.audit import audited
from warn.console.dashboard import dashboard
from warn.console.web import Desk, render
from warn.deps import Ctx

router = APIRouter(include_in_schema=False)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, ctx: Ctx, user: Desk) -> HTMLResponse:
    # Aggregates only, no one's personal data: recorded as a plain page view.
    with audited(ctx, user.principal, "console_dashboard", "dashboard", kind="read"):
        view = dashboard(ctx, user.principal)
    return render(request, "dashboard.html", user, **view)
