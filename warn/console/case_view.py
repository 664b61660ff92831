"""Everything the case page shows, as plain dicts and lists: the subject, the signals, the
ladder's stages, every delivery with its body and results, and the timeline."""

from typing import Any

from sqlalchemy.orm import Session

from warn import vocabulary as labels
from warn.access import reads
from warn.access.principal import Principal
from warn.access.scope import ACTORS
from warn.access.shaping import for_reader
from warn.console.digest import digest, district_names, leading_signal, stage_words
from warn.console.formats import signal_facts
from warn.console.team_choice import team_choices, team_stage_ahead
from warn.domain.case import (
    CHANNEL_RESULTS,
    DECISIVE_CHANNELS,
    OFFICER_OUTCOMES,
    Case,
    Stage,
)
from warn.store.models import CaseRow, Delivery, DeliveryResult, School
from warn.store.policies import stored_case

View = dict[str, Any]


def case_view(session: Session, user: Principal, row: CaseRow) -> View:
    case = stored_case(session, row.aggregate, row.policy_id)
    signals = reads.signals(session, case.signal_ids)
    school = session.get(School, case.subject.school) if case.subject.school else None
    schools = {school.id: school.name} if school else {}
    districts = district_names(session, {case.district} if case.district else set())
    view = {
        "head": digest(case, leading_signal(case, signals), schools, districts),
        "signals": [{"id": s.feed_id, "feed": s.feed, "kind": s.kind, "observed_at": s.observed_at,
                     "received_at": s.received_at,
                     "facts": signal_facts(dict((s.payload or {}).get("attributes") or {}))}
                    for s in signals],
        "stages": [stage_view(case, stage) for stage in case.stages],
        "deliveries": [delivery_view(user, d, results) for d, results in
                       reads.case_deliveries(session, user, row.id)],
        "timeline": [{"at": t.at, "type": labels.label(labels.TIMELINE, t.type),
                      "raw_type": t.type, "actor": t.actor, "detail": t.detail}
                     for t in reads.timeline(session, user, row.id)],
        "actions": actions_view(session, case) if user.role in ACTORS else None,
        "version": row.version,
    }
    return for_reader(user, view, case.subject.msisdn)


def stage_view(case: Case, stage: Stage) -> View:
    words = stage_words(case, stage) or {}
    return {**words, "tier": stage.tier, "current": stage.index == case.current,
            "reached_at": stage.reached_at, "started_at": stage.started_at,
            "confirm_due": stage.confirm_due, "wait_due": stage.wait_due,
            "ack_due": stage.ack_due, "overdue": stage.overdue,
            "deadline": stage.deadline(), "after_upgrade": stage.after_upgrade}


def delivery_view(user: Principal, row: Delivery, results: list[DeliveryResult]) -> View:
    # Officers report for the people on decisive channels (the 96110 desk are officers);
    # flash SMS receipts come from the carrier, duty pages are the officers' own.
    decisive = user.role in ACTORS and row.channel in DECISIVE_CHANNELS
    options = CHANNEL_RESULTS[row.channel] if decisive else ()
    return {"id": row.id, "stage": row.stage, "channel": row.channel,
            "channel_label": labels.label(labels.CHANNELS, row.channel),
            "recipient": row.recipient, "body": row.body, "state": row.state,
            "state_label": labels.label(labels.DELIVERY_STATES, row.state),
            "attempts": row.attempts, "created_at": row.created_at, "sent_at": row.sent_at,
            "last_error": row.last_error,
            "results": [{"result": r.result, "label": labels.label(labels.RESULTS, r.result),
                         "note": r.note, "actor": r.actor, "at": r.at} for r in results],
            "options": [(result, labels.label(labels.RESULTS, result)) for result in options]}


def actions_view(session: Session, case: Case) -> View | None:
    """What an officer can do now; None once the case is resolved. Where a team can go —
    the stage awaiting confirmation sends one, or a team stage is still to come — the
    team the ladder would send, and the others an officer may pick instead."""
    if case.state == "resolved":
        return None
    stage = case.current_stage()
    awaiting = stage if stage is not None and stage.state == "awaiting_confirmation" else None
    team_ahead = team_stage_ahead(case)
    return {
        "awaiting": stage_view(case, awaiting) if awaiting else None,
        "awaiting_team": awaiting is not None and "mobile_team" in awaiting.spec.send,
        "teams": team_choices(session, case) if team_ahead else None,
        "team_now": team_ahead and not (awaiting is not None
                                        and "mobile_team" in awaiting.spec.send),
        "can_escalate": stage is not None and stage.state in ("pending",
                                                              "awaiting_confirmation", "active"),
        "outcomes": [(o, labels.label(labels.OUTCOMES, o)) for o in OFFICER_OUTCOMES],
    }
