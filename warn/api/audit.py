"""Every access to a case and every action, one `audit` row each (DOMAIN: PIPL)."""

import json
import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from warn.api.auth import Principal
from warn.service.context import Context
from warn.store.models import Audit

log = logging.getLogger(__name__)


def audit(ctx: Context, user: Principal, action: str, target: str, **detail: Any) -> None:
    """Write the row in its own transaction. Raises when the store is down: an access that
    cannot be logged is not answered (the caller's request becomes a 503)."""
    text = json.dumps({"role": user.role, **detail}, ensure_ascii=False, default=str,
                      sort_keys=True)
    with ctx.sessions.begin() as session:
        session.add(Audit(at=ctx.now(), actor=user.name, action=action[:64], target=target,
                          detail=text))


def audit_quietly(ctx: Context, user: Principal, action: str, target: str,
                  **detail: Any) -> None:
    """For refusals already on their way out: a failed audit write must not mask them."""
    try:
        audit(ctx, user, action, target, **detail)
    except SQLAlchemyError:
        log.warning("could not audit %s %s by %s", action, target, user.name, exc_info=True)
