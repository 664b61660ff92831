"""Every access to a case and every action, one `audit` row each (PIPL): who, when, what,
on which case or delivery, and how it went."""

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from warn.access.errors import AccessError
from warn.access.principal import Principal
from warn.domain.events import InvalidResult, Missing, Rejected
from warn.store.models import Audit

log = logging.getLogger(__name__)

# A refusal of what someone may not do or see is written down under a name of its own, so
# that one filter finds every such attempt; `attempted` says what it was.
REFUSALS = {403: "refused", 404: "not_found"}

# read:   shown only once written down; a row that cannot be written makes the answer a 503.
# action: written once it has taken effect; a failed write must not turn it into an error
#         that invites a repeat.
# check:  the guard in front of an action that writes its own row: refusals only.
Kind = Literal["read", "action", "check"]


class Store(Protocol):
    """What writing a row down takes of a context (warn.service.context.Context)."""

    sessions: sessionmaker[Session]

    def now(self) -> datetime: ...


def audit(ctx: Store, user: Principal, action: str, target: str, **detail: Any) -> None:
    """Write the row in its own transaction. Raises when the store is down: an access that
    cannot be logged is not answered (the caller's request becomes a 503)."""
    _write(ctx, user, action, target, detail)


def audit_quietly(ctx: Store, user: Principal, action: str, target: str,
                  **detail: Any) -> None:
    """For refusals already on their way out: a failed audit write must not mask them."""
    _write_quietly(ctx, user, action, target, detail)


@contextmanager
def audited(ctx: Store, user: Principal, action: str, target: str, *,
            kind: Kind = "action", **detail: Any) -> Iterator[dict[str, Any]]:
    """Run the block as `user`'s `action` on `target`, and write down how it went in one
    row: status 200, or the refusal's — 403, 404, 409 (no longer applies), 422 (not
    valid) — which is written quietly and then goes on its way. Errors that are not
    refusals (the store is down, a bug) pass through unwritten. The block adds to the
    dict it is given what it learns on the way, such as the cases a list showed."""
    noted = dict(detail)
    try:
        yield noted
    except Exception as error:
        status = _status_of(error)
        if status is not None:
            _write_quietly(ctx, user, *_refusal(action, target, status, error, noted))
        raise
    if kind == "read":
        _write(ctx, user, action, target, {**noted, "status": 200})
    elif kind == "action":
        _write_quietly(ctx, user, action, target, {**noted, "status": 200})


def _status_of(error: Exception) -> int | None:
    """The status a refusal answers with; None for an error that is no refusal."""
    if isinstance(error, AccessError):
        return error.status
    if isinstance(error, Rejected):
        return 409
    if isinstance(error, InvalidResult):
        return 422
    if isinstance(error, Missing):
        return 404
    return None


def _refusal(action: str, target: str, status: int, error: Exception,
             detail: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    written = {**detail, "status": status, "error": str(error)}
    if status in REFUSALS:
        return REFUSALS[status], target, {**written, "attempted": action}
    return action, target, written


def _write(ctx: Store, user: Principal, action: str, target: str,
           detail: dict[str, Any]) -> None:
    text = json.dumps({"role": user.role, **detail}, ensure_ascii=False, default=str,
                      sort_keys=True)
    with ctx.sessions.begin() as session:
        session.add(Audit(at=ctx.now(), actor=user.name, action=action[:64], target=target,
                          detail=text))


def _write_quietly(ctx: Store, user: Principal, action: str, target: str,
                   detail: dict[str, Any]) -> None:
    try:
        _write(ctx, user, action, target, detail)
    except SQLAlchemyError:
        log.warning("could not audit %s %s by %s", action, target, user.name, exc_info=True)
