"""`/v1/deliveries`: a case's messages, and the results that channels and people report."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from warn.access import reads
from warn.access.audit import audited
from warn.access.errors import not_found
from warn.access.principal import Principal
from warn.access.scope import check_may_report
from warn.access.shaping import for_reader
from warn.api.auth import CaseReader
from warn.api.schemas import DeliveryList, DeliveryOut, ResultBody, errors
from warn.api.views import delivery_json
from warn.deps import Ctx, Outbox
from warn.service.actions import report_result
from warn.service.context import Context

router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"])


@router.get("", responses={200: {"model": DeliveryList}, **errors(401, 403, 404, 422, 503)})
def list_deliveries(ctx: Ctx, user: CaseReader,
                    case_id: Annotated[str, Query(min_length=1, max_length=64)]
                    ) -> dict[str, Any]:
    """Every message of one case the caller may read (oldest first)."""
    with audited(ctx, user, "list_deliveries", case_id, kind="read") as noted:
        with ctx.reads() as session:
            case = reads.readable_case(session, user, case_id)
            if case is None:
                raise not_found()
            items = [delivery_json(row, results)
                     for row, results in reads.case_deliveries(session, user, case_id)]
        noted["count"] = len(items)
    return for_reader(user, {"items": items}, case.msisdn)


def reporter(delivery_id: str, ctx: Ctx, user: CaseReader) -> Principal:
    """The delivery's case must be readable (else 404), the delivery one the user may report
    on (else 403)."""
    with audited(ctx, user, "result", delivery_id, kind="check"):
        with ctx.reads() as session:
            found = reads.delivery_with_case(session, user, delivery_id)
        if found is None:
            raise not_found("delivery")
        delivery = found[0]
        check_may_report(user, delivery.channel, delivery.recipient)
    return user


Reporter = Annotated[Principal, Depends(reporter)]


@router.post("/{delivery_id}/result",
             responses={200: {"model": DeliveryOut}, **errors(401, 403, 404, 409, 422, 503)})
def post_result(delivery_id: str, body: ResultBody, ctx: Ctx, user: Reporter,
                outbox: Outbox) -> dict[str, Any]:
    """Record a result (always, even on a resolved case) and let the case react to it."""
    with audited(ctx, user, "result", delivery_id, **body.model_dump()):
        _, work = report_result(ctx, delivery_id, body.result, user.name, body.note)
        outbox(work)
    return read_delivery(ctx, user, delivery_id)


def read_delivery(ctx: Context, user: Principal, delivery_id: str) -> dict[str, Any]:
    with ctx.reads() as session:
        found = reads.delivery_with_case(session, user, delivery_id)
        if found is None:
            raise not_found("delivery")
        delivery, case = found
        results = reads.results_of(session, [delivery_id]).get(delivery_id, [])
        data = delivery_json(delivery, results)
    return for_reader(user, data, case.msisdn)
