"""`/v1/cases`: the list, one case, and what officers do to a case."""

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from warn.access import reads
from warn.access.audit import audited
from warn.access.errors import not_found
from warn.access.principal import Principal
from warn.access.scope import check_may_act
from warn.access.shaping import for_reader
from warn.api.auth import CaseReader
from warn.api.schemas import (
    CaseList,
    CaseOut,
    ConfirmBody,
    DeclineBody,
    EscalateBody,
    OutcomeBody,
    errors,
)
from warn.api.views import case_detail, case_summary
from warn.deps import Ctx, Outbox
from warn.service import actions
from warn.service.context import Context
from warn.work import HandOff

router = APIRouter(prefix="/v1/cases", tags=["cases"])
Flag = Literal["awaiting_confirmation", "overdue", "no_team", "exhausted", "stuck",
               "unknown_school", "unknown_district"]
_READ_ERRORS = errors(401, 403, 404, 503)
_ACT_ERRORS = errors(401, 403, 404, 409, 422, 503)


@router.get("", responses={200: {"model": CaseList}, **errors(401, 403, 422, 503)})
def list_cases(ctx: Ctx, user: CaseReader,
               state: Literal["open", "resolved"] | None = None,
               tier: Literal["low", "medium", "high"] | None = None,
               flag: Flag | None = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 50,
               cursor: Annotated[str | None, Query(max_length=512)] = None,
               sort: Literal["newest", "urgency"] = "newest") -> dict[str, Any]:
    """Cases in the caller's scope, newest first, or with `sort=urgency` in the order a duty
    room works in: by tier; within a tier those that need an officer now; then the nearest
    pending deadline; then the oldest. Pass `next` back as `cursor` for more."""
    query = reads.CaseFilter(state=state, tier=tier, flag=flag, limit=limit, cursor=cursor,
                             sort=sort)
    with audited(ctx, user, "list_cases", "cases", kind="read", state=state, tier=tier,
                 flag=flag, cursor=cursor, sort=sort) as noted:
        with ctx.reads() as session:
            rows, following = reads.list_cases(session, user, query)
            items = [for_reader(user, case_summary(row), row.msisdn) for row in rows]
        # Every case shown is named: who saw a case is found by its id.
        noted.update(count=len(items), cases=[row.id for row in rows])
    return {"items": items, "next": following}


@router.get("/{case_id}", responses={200: {"model": CaseOut}, **_READ_ERRORS})
def get_case(case_id: str, ctx: Ctx, user: CaseReader) -> dict[str, Any]:
    with audited(ctx, user, "read_case", case_id, kind="read"):
        return read_case(ctx, user, case_id)


def read_case(ctx: Context, user: Principal, case_id: str) -> dict[str, Any]:
    with ctx.reads() as session:
        row = reads.readable_case(session, user, case_id)
        if row is None:
            raise not_found()
        return case_detail(session, user, row)


def acting_officer(action: str) -> Callable[[str, Context, Principal], Principal]:
    """A dependency: the case must be readable (else 404) and the user one who may act on it
    (else 403), both checked before the body is."""

    def check(case_id: str, ctx: Ctx, user: CaseReader) -> Principal:
        with audited(ctx, user, action, case_id, kind="check"):
            with ctx.reads() as session:
                if reads.readable_case(session, user, case_id) is None:
                    raise not_found()
            check_may_act(user)
        return user

    return check


@router.post("/{case_id}/confirm", responses={200: {"model": CaseOut}, **_ACT_ERRORS})
def confirm(case_id: str, body: ConfirmBody, ctx: Ctx,
            user: Annotated[Principal, Depends(acting_officer("confirm"))],
            outbox: Outbox) -> dict[str, Any]:
    """Dispatch a stage that awaits an officer's confirmation (409 if none does)."""
    return _act(ctx, outbox, user, case_id, "confirm", body.model_dump(exclude_none=True),
                lambda: actions.confirm(ctx, case_id, body.stage, user.name, body.team))


@router.post("/{case_id}/decline", responses={200: {"model": CaseOut}, **_ACT_ERRORS})
def decline(case_id: str, body: DeclineBody, ctx: Ctx,
            user: Annotated[Principal, Depends(acting_officer("decline"))],
            outbox: Outbox) -> dict[str, Any]:
    """Decline a stage that awaits confirmation: the ladder moves on."""
    return _act(ctx, outbox, user, case_id, "decline", body.model_dump(),
                lambda: actions.decline(ctx, case_id, body.stage, user.name, body.reason))


@router.post("/{case_id}/escalate", responses={200: {"model": CaseOut}, **_ACT_ERRORS})
def escalate(case_id: str, ctx: Ctx,
             user: Annotated[Principal, Depends(acting_officer("escalate"))],
             outbox: Outbox, body: EscalateBody | None = None) -> dict[str, Any]:
    """End the current stage now and move to the next, as if its wait had run out."""
    reason = body.reason if body is not None else None
    return _act(ctx, outbox, user, case_id, "escalate", {"reason": reason},
                lambda: actions.escalate(ctx, case_id, user.name, reason))


@router.post("/{case_id}/outcome", responses={200: {"model": CaseOut}, **_ACT_ERRORS})
def outcome(case_id: str, body: OutcomeBody, ctx: Ctx,
            user: Annotated[Principal, Depends(acting_officer("outcome"))],
            outbox: Outbox) -> dict[str, Any]:
    """Resolve the case; every pending stage and timer is cancelled."""
    return _act(ctx, outbox, user, case_id, "outcome", body.model_dump(),
                lambda: actions.record_outcome(ctx, case_id, body.outcome, user.name,
                                               body.note))


def _act(ctx: Context, outbox: HandOff, user: Principal, case_id: str, action: str,
         detail: dict[str, Any], run: Callable[[], actions.Done]) -> dict[str, Any]:
    with audited(ctx, user, action, case_id, **detail):
        _, work = run()
        outbox(work)
    return read_case(ctx, user, case_id)
