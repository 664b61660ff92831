"""The case state machine of CONTRACT §4: `decide(case, event, now, facts)`.

A signal for a case that has just closed (its window ran out before the signal came) is
not taken: the case comes back resolved without it, and the caller opens a new case.

`decide` works on a copy and returns it with the effects the world must carry out; the
caller persists both in one transaction. Timers are not effects: the caller keeps one timer
per case at `next_deadline(case)`, and a `Tick` handles whatever is due by then.
"""

from datetime import datetime

from warn.domain import ladder
from warn.domain.case import (
    ACK_CHANNELS,
    ACK_RESULTS,
    CHANNEL_RESULTS,
    DECISIVE_CHANNELS,
    OFFICER_OUTCOMES,
    Case,
    Delivery,
    copy_case,
)
from warn.domain.events import (
    Confirm,
    Decline,
    Effect,
    Escalate,
    Event,
    InvalidResult,
    RecordOutcome,
    Rejected,
    ResultReported,
    SendFailed,
    SendTeamNow,
    SignalArrived,
    TeamFreed,
    Tick,
)
from warn.domain.facts import Facts
from warn.domain.policy import TIERS, Policy
from warn.domain.risk import case_score
from warn.domain.signals import Signal
from warn.domain.words import (
    CASE_CONDITIONS,
    CHANNELS,
    KINDS,
    RESULTS,
    stage_called,
    word,
)
from warn.domain.words import TIERS as TIER_WORDS


def open_case(case_id: str, signal: Signal, policy: Policy, now: datetime) -> Case:
    """A new, empty case for the signal's subject; feed it the signal with `decide`."""
    return Case(id=case_id, subject=signal.subject, policy=policy, opened_at=now,
                last_signal_at=now, unknown=list(signal.unknown))


def decide(case: Case, event: Event, now: datetime,
           facts: Facts) -> tuple[Case, list[Effect]]:
    """Pure: the same case, event, time and facts always give the same answer."""
    run = ladder.Run(copy_case(case), now, facts)
    if run.case.state == "open" and isinstance(event, _CATCH_UP_FIRST):
        # A deadline that passed before this event is handled first, as if its timer had
        # fired on time: a late acknowledgement does not meet a missed `ack`, and a signal
        # after `case_window` does not join the case that window closed.
        ladder.handle_due(run)
        if _resolved(run.case) and isinstance(event, SignalArrived):
            return run.case, run.effects
    if _resolved(run.case):
        _after_resolution(run, event)
    elif run.case.stuck is not None:
        _while_stuck(run, event)
    else:
        _handle(run, event)
    return run.case, run.effects


def mark_stuck(case: Case, what_failed: str, now: datetime, facts: Facts,
               signal: Signal | None = None, score: int | None = None
               ) -> tuple[Case, list[Effect]]:
    """Deciding for the case failed every time it was tried: stop its ladder where it is,
    page its officers, and say what failed. `signal`: the signal that could not be taken,
    kept with the case so that the officer sees it; with its `score` (when scoring it did
    not fail) the case's tier rises as the signal would have raised it, so that a stuck
    transfer attempt stands with the urgent cases in the duty room's queue."""
    run = ladder.Run(copy_case(case), now, facts)
    if signal is not None:
        run.case.signal_ids.append(signal.id)
        run.case.last_signal_at = now
    if signal is not None and score is not None:
        _raise_score(run.case, signal.kind, score)
    paged = run.case.stuck is not None  # already stuck: its officers know
    run.case.stuck = what_failed
    run.note("stuck", f"{what_failed}；阶梯已暂停，等待值班民警处置")
    if not paged:
        run.page_officers(run.case.current if run.case.current is not None else 0, "stuck")
    return run.case, run.effects


def _raise_score(case: Case, kind: str, score: int) -> None:
    case.kind_scores[kind] = max(score, case.kind_scores.get(kind, 0))
    case.score, tier = case_score(case.kind_scores.items(), case.policy)
    if TIERS.index(tier) > TIERS.index(case.tier):
        case.tier = tier


def _while_stuck(run: ladder.Run, event: Event) -> None:
    """A stuck case takes signals and results as records only; an officer's outcome
    resolves it. Nothing else moves it: that is what failed."""
    if isinstance(event, RecordOutcome):
        _on_outcome(run, event)
        run.case.stuck = None
    elif isinstance(event, SignalArrived):
        run.case.signal_ids.append(event.signal.id)
        run.case.last_signal_at = run.now
        run.note("signal", f"{word(KINDS, event.signal.kind)} {event.signal.id}："
                 "案件自动处理失败中，信号已记入本案", "feed")
    else:
        _record_only(run, event, "stuck", "the case is stuck: record an outcome to resolve it")


def _resolved(case: Case) -> bool:
    return case.state == "resolved"


# Events from the world that must see the case as the clock has made it. People's decisions
# (confirm, decline, escalate, outcome) act on the case as the person saw it.
_CATCH_UP_FIRST = (SignalArrived, ResultReported, SendFailed)


def _after_resolution(run: ladder.Run, event: Event) -> None:
    """A resolved case is never reopened: results are still recorded, nothing else moves."""
    _record_only(run, event, "resolved", "the case is already resolved")


def _record_only(run: ladder.Run, event: Event, state: str, refusal: str) -> None:
    """Results and failed sends are recorded; the clock and freed teams change nothing;
    anything else is refused with `refusal`."""
    if isinstance(event, ResultReported):
        delivery = _delivery_for_result(run.case, event)
        delivery.results.append(event.result)
        run.note("result", f"{_result_words(delivery, event.result)}"
                 f"（{word(CASE_CONDITIONS, state)}）{_note_suffix(event.note)}", event.actor)
    elif isinstance(event, SendFailed):
        _mark_failed(run, event)
    elif not isinstance(event, Tick | TeamFreed):
        raise Rejected(refusal)


def _on_signal(run: ladder.Run, event: SignalArrived) -> None:
    case = run.case
    first = not case.signal_ids
    case.signal_ids.append(event.signal.id)
    case.last_signal_at = run.now
    kind = event.signal.kind
    case.kind_scores[kind] = max(event.score, case.kind_scores.get(kind, 0))
    score, tier = case_score(case.kind_scores.items(), case.policy)
    run.note("signal", f"{word(KINDS, kind)} {event.signal.shown_id}：{event.score}分；"
             f"案件{score}分，{word(TIER_WORDS, tier)}风险", "feed")
    old_tier, case.score = case.tier, score
    if first:
        case.tier = tier
        ladder.start(run, tier, after_upgrade=False)
    elif TIERS.index(tier) > TIERS.index(old_tier):
        case.tier = tier
        run.note("tier_upgrade", f"{word(TIER_WORDS, old_tier)}风险升为"
                 f"{word(TIER_WORDS, tier)}风险", "system")
        ladder.cancel_open_stages(run)
        ladder.start(run, tier, after_upgrade=True)


def _on_delivery_failed(run: ladder.Run, event: SendFailed) -> None:
    delivery = _mark_failed(run, event)
    if delivery is not None:
        ladder.check_stage_failure(run, delivery.stage)


def _mark_failed(run: ladder.Run, event: SendFailed) -> Delivery | None:
    delivery = run.case.delivery(event.delivery_id)
    if delivery is None or delivery.send_failed:
        return None
    delivery.send_failed = True
    run.note("delivery_failed", f"{word(CHANNELS, delivery.channel)}发给 {delivery.recipient} "
             f"未能发出" + (f"：{event.reason}" if event.reason else ""), "system")
    if delivery.dispatch_open:
        ladder.close_dispatch(run, delivery)
    return delivery


def _on_result(run: ladder.Run, event: ResultReported) -> None:
    case = run.case
    delivery = _delivery_for_result(case, event)
    delivery.results.append(event.result)
    run.note("result", f"{_result_words(delivery, event.result)}{_note_suffix(event.note)}",
             event.actor)
    if event.result == "dissuaded" and delivery.channel in DECISIVE_CHANNELS:
        case.stages[delivery.stage].state = "succeeded"
        ladder.resolve(run, "dissuaded", event.actor)
        return
    if event.result == "not_found" and delivery.dispatch_open:
        ladder.close_dispatch(run, delivery)
    stage = case.stages[delivery.stage]
    if (event.result in ACK_RESULTS and delivery.channel in ACK_CHANNELS
            and stage.state == "active" and stage.ack_due is not None):
        stage.ack_due = None
        run.note("acknowledged", f"{stage_called(stage)}按时收到回执", event.actor)
    if delivery.is_negative():
        ladder.check_stage_failure(run, delivery.stage)
    if case.state == "open":
        ladder.resume_after_try(run)


def _delivery_for_result(case: Case, event: ResultReported) -> Delivery:
    delivery = case.delivery(event.delivery_id)
    if delivery is None:
        raise Rejected(f"delivery {event.delivery_id} is not part of case {case.id}")
    allowed = CHANNEL_RESULTS[delivery.channel]
    if event.result not in allowed:
        raise InvalidResult(f"'{event.result}' is not a result of {delivery.channel}: "
                            f"use {', '.join(allowed)}")
    return delivery


def _on_confirm(run: ladder.Run, event: Confirm) -> None:
    stage = ladder.stage_awaiting(run.case, event.stage)
    stage.overdue = False
    run.note("confirmed", f"{stage_called(stage)}已确认", event.actor)
    ladder.dispatch(run, stage, event.team)


def _on_send_team_now(run: ladder.Run, event: SendTeamNow) -> None:
    case = run.case
    stage = case.current_stage()
    if stage is None or stage.state not in ("pending", "awaiting_confirmation", "active"):
        raise Rejected("no stage is running: there is no team stage to go to")
    target = next((s for s in case.stages[stage.index:]
                   if "mobile_team" in s.spec.send and s.state in ("pending",
                                                                  "awaiting_confirmation")),
                  None)
    if target is None:
        raise Rejected("the ladder has no mobile team stage left")
    if target.state == "pending" and target.waiting_team and event.team is None:
        raise Rejected("no mobile team is free: name a team of another district")
    run.note("team_now", f"立即派机动队{_note_suffix(event.reason)}", event.actor)
    for skipped in case.stages[stage.index:target.index]:
        skipped.overdue = False
        ladder.end_stage(run, skipped, "passed" if skipped is stage else "skipped")
    target.overdue = False
    target.waiting_tried = False
    case.current = target.index
    target.reached_at = target.reached_at or run.now
    ladder.dispatch(run, target, event.team)


def _on_decline(run: ladder.Run, event: Decline) -> None:
    stage = ladder.stage_awaiting(run.case, event.stage)
    stage.overdue = False
    run.note("declined", f"{stage_called(stage)}已否决{_note_suffix(event.reason)}",
             event.actor)
    ladder.end_stage(run, stage, "declined")
    ladder.move_on(run)


def _on_escalate(run: ladder.Run, event: Escalate) -> None:
    stage = run.case.current_stage()
    if stage is None or stage.state not in ("pending", "awaiting_confirmation", "active"):
        raise Rejected("no stage is running: there is nothing to escalate")
    run.note("escalated", f"{stage_called(stage)}由民警手动结束{_note_suffix(event.reason)}",
             event.actor)
    stage.overdue = False
    ladder.end_stage(run, stage, "passed")
    ladder.move_on(run)


def _on_outcome(run: ladder.Run, event: RecordOutcome) -> None:
    if event.outcome not in OFFICER_OUTCOMES:
        raise InvalidResult(f"outcome must be one of {', '.join(OFFICER_OUTCOMES)}")
    ladder.resolve(run, event.outcome, event.actor, event.note)


def _on_team_freed(run: ladder.Run) -> None:
    stage = run.case.current_stage()
    if stage is not None and stage.waiting_team:
        ladder.dispatch(run, stage)


def _result_words(delivery: Delivery, result: str) -> str:
    # The channel's word comes first: reads.py tells an officer's answer to a duty page by
    # it, so that liaisons never see one.
    return f"{word(CHANNELS, delivery.channel)} {delivery.id}：{word(RESULTS, result)}"


def _note_suffix(text: str | None) -> str:
    return f" — {text}" if text else ""


def _handle(run: ladder.Run, event: Event) -> None:
    match event:
        case SignalArrived():
            _on_signal(run, event)
        case SendFailed():
            _on_delivery_failed(run, event)
        case ResultReported():
            _on_result(run, event)
        case Confirm():
            _on_confirm(run, event)
        case Decline():
            _on_decline(run, event)
        case Escalate():
            _on_escalate(run, event)
        case SendTeamNow():
            _on_send_team_now(run, event)
        case RecordOutcome():
            _on_outcome(run, event)
        case Tick():
            ladder.handle_due(run)
        case TeamFreed():
            _on_team_freed(run)
