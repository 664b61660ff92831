"""`/dashboard`: today and the last 30 days, for officers (their district) and admins."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from warn.api.audit import audit
from warn.api.auth import Ctx
from warn.console.dashboard import dashboard
from warn.console.web import Desk, render

router = APIRouter(include_in_schema=False)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, ctx: Ctx, user: Desk) -> HTMLResponse:
    view = dashboard(ctx, user.principal)
    # Aggregates only, no one's personal data: recorded as a plain page view.
    audit(ctx, user.principal, "console_dashboard", "dashboard")
    return render(request, "dashboard.html", user, **view)
