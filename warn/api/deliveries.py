"""`/v1/deliveries`: a case's messages, and the results that channels and people report."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from warn.api import queries
from warn.api.audit import audit, audit_quietly
from warn.api.auth import CaseReader, Ctx, Outbox, Principal
from warn.api.errors import ApiError, not_found
from warn.api.schemas import DeliveryList, DeliveryOut, ResultBody, errors
from warn.api.scope import check_may_report, sees_duty_pages
from warn.api.views import delivery_json, for_reader
from warn.domain.events import InvalidResult, Rejected
from warn.service.actions import report_result
from warn.service.context import Context

router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"])


@router.get("", responses={200: {"model": DeliveryList}, **errors(401, 403, 404, 422, 503)})
def list_deliveries(ctx: Ctx, user: CaseReader,
                    case_id: Annotated[str, Query(min_length=1, max_length=64)]
                    ) -> dict[str, Any]:
    """Every message of one case the caller may read (oldest first)."""
    with ctx.reads() as session:
        case = queries.readable_case(session, user, case_id)
        if case is None:
            raise not_found()
        rows = queries.case_deliveries(session, case_id, duty_pages=sees_duty_pages(user))
        items = [delivery_json(row, results) for row, results in rows]
        msisdn = case.msisdn
    audit(ctx, user, "list_deliveries", case_id, count=len(items))
    shown: dict[str, Any] = for_reader(user, {"items": items}, msisdn)
    return shown


def reporter(delivery_id: str, ctx: Ctx, user: CaseReader) -> Principal:
    """The delivery's case must be readable (else 404), the delivery one the user may report
    on (else 403)."""
    with ctx.reads() as session:
        found = queries.delivery_with_case(session, user, delivery_id)
        if found is None or (found[0].channel == "duty_page" and not sees_duty_pages(user)):
            raise not_found("delivery")
        delivery = found[0]
    try:
        check_may_report(user, delivery.channel, delivery.recipient)
    except ApiError:
        audit_quietly(ctx, user, "refused", delivery_id, status=403)
        raise
    return user


Reporter = Annotated[Principal, Depends(reporter)]


@router.post("/{delivery_id}/result",
             responses={200: {"model": DeliveryOut}, **errors(401, 403, 404, 409, 422, 503)})
def post_result(delivery_id: str, body: ResultBody, ctx: Ctx, user: Reporter,
                outbox: Outbox) -> dict[str, Any]:
    """Record a result (always, even on a resolved case) and let the case react to it."""
    detail = body.model_dump()
    try:
        _, work = report_result(ctx, delivery_id, body.result, user.name, body.note)
    except (Rejected, InvalidResult) as error:
        status = 409 if isinstance(error, Rejected) else 422
        audit_quietly(ctx, user, "result", delivery_id, status=status, error=str(error),
                      **detail)
        raise
    outbox(work)
    audit_quietly(ctx, user, "result", delivery_id, status=200, **detail)
    return read_delivery(ctx, user, delivery_id)


def read_delivery(ctx: Context, user: Principal, delivery_id: str) -> dict[str, Any]:
    with ctx.reads() as session:
        found = queries.delivery_with_case(session, user, delivery_id)
        if found is None:
            raise not_found("delivery")
        delivery, case = found
        results = queries.results_of(session, [delivery_id]).get(delivery_id, [])
        data = delivery_json(delivery, results)
        msisdn = case.msisdn
    result: dict[str, Any] = for_reader(user, data, msisdn)
    return result
