"""Operations: `GET /healthz` (no auth) and `GET /metrics` (Prometheus text)."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from warn.api.auth import Ctx
from warn.api.metrics import metrics_of

router = APIRouter(tags=["operations"])


@router.get("/healthz", responses={503: {"description": "the database does not answer"}})
def healthz(ctx: Ctx) -> JSONResponse:
    """200 when the database answers `SELECT 1`, else 503."""
    try:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return JSONResponse({"status": "unavailable", "store": error.__class__.__name__},
                            status_code=503)
    return JSONResponse({"status": "ok"})


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}})
def metrics(request: Request) -> Response:
    """Counters of this process, and gauges counted in the database at this scrape."""
    registry = metrics_of(request.app).registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
