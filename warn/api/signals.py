"""`POST /v1/signals` (one, or a batch of up to 1,000) and `GET /v1/signals/{id}`."""

import asyncio
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from warn.access.errors import not_found
from warn.api.auth import SignalReader, authorised
from warn.api.errors import ApiError, error_body, error_response
from warn.api.ingest_queue import SMALL, IngestQueue
from warn.api.metrics import metrics_of
from warn.api.schemas import BatchOut, SignalAccepted, SignalState, errors
from warn.api.signal_doc import OPENAPI_EXTRA
from warn.deps import Ctx, context_of
from warn.domain.signals import SignalError, is_plain, parse_json
from warn.phases import phase
from warn.service.context import Context
from warn.service.ingest import MAX_BATCH, Accepted, Outcome, Refused, ingest
from warn.store.models import SignalRow
from warn.work import HandOff

MAX_BODY = 1 << 20  # 1 MiB

router = APIRouter(prefix="/v1/signals", tags=["signals"])


@router.post("", status_code=202,
             openapi_extra={**OPENAPI_EXTRA, "security": [{"HTTPBearer": []}]},
             responses={202: {"model": SignalAccepted | BatchOut,
                              "description": "stored durably; see CONTRACT §3"},
                        **errors(400, 401, 403, 409, 413, 422, 503)})
async def post_signals(request: Request) -> JSONResponse:
    user = await authorised(request, "feed", "admin")  # feeds and admins only
    ctx = context_of(request)
    body = await _read_body(request)
    with phase("ingest"):
        data = _parse(body)
    batch = isinstance(data, dict) and "signals" in data
    items = _batch_items(data) if batch else [data]
    actor = (user.name, user.role)
    if len(items) <= SMALL:
        accepted, refused = await asyncio.wrap_future(
            ingest_queue_of(request.app).submit(items, actor))
    else:
        # Handed on in the thread too: an urgent signal is published to the broker at
        # once, a round trip the event loop must not wait on.
        accepted, refused = await run_in_threadpool(
            _ingest_and_hand_off, ctx, items, actor, request.app.state.hand_off)
    _count(request, accepted, refused)
    if batch:
        return JSONResponse(_batch_answer(accepted, refused), status_code=202)
    if accepted:
        return JSONResponse({"id": accepted[0].id, "duplicate": accepted[0].duplicate},
                            status_code=202)
    error = refused[0].error
    status = 409 if error.code == "id_conflict" else 422
    return error_response(status, error.code, error.message, error.field)


def _ingest_and_hand_off(ctx: Context, items: list[object], actor: tuple[str, str],
                         hand_off: HandOff) -> Outcome:
    outcome, work = ingest(ctx, items, actor=actor)
    hand_off(work)
    return outcome


@router.get("/{signal_id:path}",
            responses={200: {"model": SignalState}, **errors(401, 403, 404, 409, 422)})
def get_signal(signal_id: str, ctx: Ctx, user: SignalReader,
               feed: Annotated[str | None, Query(max_length=64, description=(
                   "the feed that sent it, when more than one feed used the id "
                   "(officers and admins)"))] = None) -> dict[str, Any]:
    """A feed reads the signals it sent; officers and admins read any feed's."""
    if user.role == "feed":
        feed = user.name  # its own ids only: another feed's are not even found
    with ctx.reads() as session:
        rows = _signals_named(session, signal_id, feed) if len(signal_id) <= 128 else []
    if not rows:
        raise not_found("signal")
    if len(rows) > 1:
        raise ApiError(409, "ambiguous_id", f"{len(rows)} feeds sent a signal with this "
                       "id: name the feed with ?feed=NAME")
    row = rows[0]
    return {"id": row.feed_id, "state": row.state, "case_id": row.case_id}


def _signals_named(session: Session, feed_id: str, feed: str | None) -> list[SignalRow]:
    query = select(SignalRow).where(SignalRow.feed_id == feed_id)
    if feed is not None:
        query = query.where(SignalRow.feed == feed)
    return list(session.scalars(query.limit(10)))


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise ApiError(400, "bad_request", "Content-Length is not a number")
        if int(declared) > MAX_BODY:
            raise _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise _too_large()
    return bytes(body)


def _too_large() -> ApiError:
    return ApiError(413, "payload_too_large",
                    f"the body is over {MAX_BODY} bytes: send smaller batches")


def _parse(body: bytes) -> Any:
    try:
        data = parse_json(body)
    except (ValueError, RecursionError) as error:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {error}"[:300]) \
            from None
    if b"\\u" in body and _has_lone_surrogate(data):
        raise ApiError(400, "malformed_json", "the body is not valid JSON: a \\u escape "
                       "encodes half of a surrogate pair, which is not a character")
    return data


def _has_lone_surrogate(data: Any) -> bool:
    """json.loads lets `"\\ud800"` through as a string that no database can store."""
    try:
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    return False


def _batch_items(data: dict[str, Any]) -> list[Any]:
    extra = sorted(key for key in data if key != "signals")
    if extra:
        name = extra[0]
        if len(name) > 64 or not is_plain(name):  # not echoed back: the name is the attack
            raise ApiError(422, "invalid_request", "unknown field next to signals, with a "
                           "name of control, bidi or invisible characters, or too long")
        raise ApiError(422, "invalid_request", f"unknown field '{name}' next to signals", name)
    items = data["signals"]
    if not isinstance(items, list):
        raise ApiError(422, "invalid_request", "signals must be a list", "signals")
    if len(items) > MAX_BATCH:
        raise ApiError(422, "too_many_signals", f"a batch holds at most {MAX_BATCH} signals, "
                       f"this one has {len(items)}: nothing was accepted", "signals")
    return items


def _batch_answer(accepted: list[Accepted], refused: list[Refused]) -> dict[str, Any]:
    return {"accepted": [{"index": a.index, "id": a.id, "duplicate": a.duplicate}
                         for a in accepted],
            "rejected": [{"index": r.index, **_error(r.error)} for r in refused]}


def _error(error: SignalError) -> dict[str, Any]:
    return error_body(error.code, error.message, error.field)


def _count(request: Request, accepted: list[Accepted], refused: list[Refused]) -> None:
    metrics = metrics_of(request.app)
    duplicates = sum(1 for a in accepted if a.duplicate)
    metrics.signals.labels("accepted").inc(len(accepted) - duplicates)
    metrics.signals.labels("duplicate").inc(duplicates)
    metrics.signals.labels("rejected").inc(len(refused))


def ingest_queue_of(app: Any) -> IngestQueue:
    queue: IngestQueue = app.state.ingest_queue
    return queue
