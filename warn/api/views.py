"""The JSON of cases and deliveries, exactly as CONTRACT §3 shows them (times RFC 3339, UTC)."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from warn.access import reads
from warn.access.principal import Principal
from warn.access.shaping import for_reader
from warn.domain.case import Stage, flags
from warn.store.models import CaseRow, Delivery, DeliveryResult
from warn.store.policies import stored_case

Json = dict[str, Any]


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def case_flags(row: CaseRow) -> list[str]:
    return [name for name, column in reads.FLAG_COLUMNS.items()
            if getattr(row, column.key)]


def case_summary(row: CaseRow) -> Json:
    return {"id": row.id, "state": row.state, "outcome": row.outcome, "tier": row.tier,
            "score": row.score, "flags": case_flags(row),
            "subject": dict(row.aggregate.get("subject") or {"msisdn": row.msisdn}),
            "district": row.district, "school": row.school,
            "opened_at": iso(row.opened_at), "updated_at": iso(row.updated_at),
            "last_signal_at": iso(row.last_signal_at), "resolved_at": iso(row.resolved_at)}


def case_detail(session: Session, user: Principal, row: CaseRow) -> Json:
    case = stored_case(session, row.aggregate, row.policy_id)
    deliveries = reads.case_deliveries(session, user, row.id)
    data = {"id": case.id, "state": case.state, "outcome": case.outcome, "tier": case.tier,
            "score": case.score, "flags": flags(case), "subject": case.subject.to_dict(),
            # Signals by the feed's own id (the console also names the feed).
            "signals": [{"id": s.feed_id, "kind": s.kind, "observed_at": iso(s.observed_at)}
                        for s in reads.signals(session, case.signal_ids)],
            "stages": [stage_json(stage) for stage in case.stages],
            "deliveries": [delivery_json(d, results) for d, results in deliveries],
            "timeline": [{"at": iso(t.at), "type": t.type, "actor": t.actor, "detail": t.detail}
                         for t in reads.timeline(session, user, row.id)]}
    return for_reader(user, data, row.msisdn)


def stage_json(stage: Stage) -> Json:
    return {"index": stage.index, "tier": stage.tier, "channels": list(stage.spec.send),
            "state": stage.state, "started_at": iso(stage.started_at),
            "deadline_at": iso(stage.deadline())}


def delivery_json(row: Delivery, results: list[DeliveryResult]) -> Json:
    return {"id": row.id, "case_id": row.case_id, "stage": row.stage, "channel": row.channel,
            "recipient": row.recipient, "body": row.body, "state": row.state,
            "attempts": row.attempts,
            "results": [{"result": r.result, "note": r.note, "actor": r.actor, "at": iso(r.at)}
                        for r in results],
            "created_at": iso(row.created_at), "sent_at": iso(row.sent_at)}
