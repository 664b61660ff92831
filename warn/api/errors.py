"""One error shape for every answer that is not a success:
`{"error": {"code": ..., "message": ..., "field": ...}}` (`field` only where one is at fault).
"""

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from warn.access.errors import AccessError
from warn.decisions.batch import CaseNotFound
from warn.domain.events import InvalidResult, Rejected
from warn.service.actions import DeliveryNotFound

log = logging.getLogger(__name__)

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
               415: "unsupported_media_type", 422: "invalid_request",
               503: "store_unavailable"}


class ApiError(AccessError):
    """A refusal of the HTTP layer itself: a body too large, malformed or not a signal."""


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    return {"error": error}


def error_response(status: int, code: str, message: str, field: str | None = None,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, field), status_code=status, headers=headers)


def _field_of(loc: tuple[int | str, ...]) -> str | None:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or None


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    errors = exc.errors()
    if not errors:
        return "the request is not valid", None
    first = errors[0]
    field = _field_of(tuple(first.get("loc", ())))
    message = str(first.get("msg", "invalid value"))
    return (f"{field}: {message}" if field else message), field


def _is_malformed_json(exc: RequestValidationError) -> bool:
    return any(error.get("type") == "json_invalid" for error in exc.errors())


async def _on_access_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AccessError)
    return error_response(exc.status, exc.code, exc.message, exc.field, exc.headers)


async def _on_validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if _is_malformed_json(exc):  # as on POST /v1/signals: a 400, not a validation error
        return error_response(400, "malformed_json", "the request body is not valid JSON")
    message, field = _validation_message(exc)
    return error_response(422, "invalid_request", message, field)


async def _on_http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)


async def _on_store_down(_request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, IntegrityError | DataError):
        # A bug, not an outage (input that passed validation and the database refused):
        # a 500 with its traceback, never a 503 that tells the client to send it again.
        raise exc
    log.warning("store unavailable: %s", exc.__class__.__name__, exc_info=exc)
    return error_response(503, "store_unavailable",
                          "the database is unavailable; nothing was changed, try again",
                          headers={"Retry-After": "5"})


async def _on_rejected(_request: Request, exc: Exception) -> JSONResponse:
    return error_response(409, "conflict", str(exc) or "the action does not apply now")


async def _on_invalid_result(_request: Request, exc: Exception) -> JSONResponse:
    return error_response(422, "invalid_result", str(exc), "result")


async def _on_case_not_found(_request: Request, _exc: Exception) -> JSONResponse:
    return error_response(404, "not_found", "no such case")


async def _on_delivery_not_found(_request: Request, _exc: Exception) -> JSONResponse:
    return error_response(404, "not_found", "no such delivery")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AccessError, _on_access_error)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(DBAPIError, _on_store_down)
    app.add_exception_handler(PoolTimeout, _on_store_down)
    app.add_exception_handler(Rejected, _on_rejected)
    app.add_exception_handler(InvalidResult, _on_invalid_result)
    app.add_exception_handler(CaseNotFound, _on_case_not_found)
    app.add_exception_handler(DeliveryNotFound, _on_delivery_not_found)
    app.add_exception_handler(ClientDisconnect, _on_client_gone)


async def _on_client_gone(_request: Request, _error: Exception) -> JSONResponse:
    # The client went away mid-body, or stalled until the server gave up on it: nothing
    # was taken and nobody reads the answer. Not an error of ours, so no traceback in the
    # log for each of a slow-client flood's connections.
    return error_response(408, "request_timeout", "the request's body did not arrive")
