"""Policy snapshots stored once, by the hash of their document.

A case runs on the policy it opened with (CONTRACT §5), and nearly every case shares the
same one: the aggregate of a case names its snapshot (`cases.policy_id`) instead of
carrying it, which takes most of a new case's bytes off every write and read. A snapshot
is content-addressed, so a process may keep the ones it has parsed for good.
"""

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warn.domain.case import Case, case_from_dict, policy_document, policy_from_document
from warn.domain.policy import Policy
from warn.store.many import is_postgresql
from warn.store.models import PolicyRow

_KEPT = 64
_ids: dict[int, tuple[Policy, str]] = {}  # id(policy) -> (policy, its hash)
_parsed: dict[str, Policy] = {}  # hash -> policy


def policy_id(policy: Policy) -> str:
    kept = _ids.get(id(policy))
    if kept is None or kept[0] is not policy:
        document = json.dumps(policy_document(policy), sort_keys=True, ensure_ascii=False)
        if len(_ids) >= _KEPT:
            _ids.clear()
        kept = _ids[id(policy)] = (policy, hashlib.sha256(document.encode()).hexdigest())
        _parsed.setdefault(kept[1], policy)
    return kept[1]


def keep_policies(session: Session, policies: Iterable[Policy]) -> None:
    """Store the snapshots that are not stored yet, in the caller's transaction."""
    wanted = {policy_id(policy): policy for policy in policies}
    if not wanted:
        return
    rows = [{"id": key, "document": policy_document(policy), "stored_at": datetime.now(UTC)}
            for key, policy in sorted(wanted.items())]
    if is_postgresql(session):
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
    session.execute(upsert(PolicyRow).on_conflict_do_nothing(index_elements=["id"]), rows)


def stored_case(session: Session, aggregate: dict[str, Any], stored_policy: str | None
                ) -> Case:
    """A case row as the domain's case: its aggregate, on the snapshot it names (an
    aggregate written before migration 0009 carries its own)."""
    if "policy" in aggregate or stored_policy is None:
        return case_from_dict(aggregate)
    return case_from_dict(aggregate, snapshot(session, stored_policy))


def snapshot(session: Session, key: str) -> Policy:
    policy = _parsed.get(key)
    if policy is None:
        document = session.scalar(select(PolicyRow.document).where(PolicyRow.id == key))
        if document is None:
            raise LookupError(f"policy snapshot {key[:12]} is not stored")
        policy = policy_from_document(document)
        if len(_parsed) >= _KEPT:
            _parsed.clear()
        _parsed[key] = policy
    return policy

