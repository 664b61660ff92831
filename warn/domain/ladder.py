"""Running a case's escalation ladder: entering, dispatching, ending and leaving stages."""

from dataclasses import dataclass, field
from datetime import datetime

from warn.domain.case import (
    ACK_CHANNELS,
    DECISIVE_CHANNELS,
    OPEN_STAGE_STATES,
    Case,
    Delivery,
    Stage,
    StageState,
)
from warn.domain.events import CancelQueued, CloseDispatch, Effect, Note, Rejected, Send
from warn.domain.facts import Facts
from warn.domain.policy import Tier
from warn.domain.words import (
    CHANNELS,
    NO_SCHOOL_GROUP,
    OUTCOMES,
    PAGE_REASONS,
    ago,
    span,
    stage_called,
    word,
    words,
)


@dataclass
class Run:
    """One `decide` call in progress: the case being changed and the effects so far."""

    case: Case
    now: datetime
    facts: Facts
    effects: list[Effect] = field(default_factory=list)
    # teams this decision has sent out: their places are no longer free to it
    teams_taken: list[str] = field(default_factory=list)

    def note(self, type_: str, detail: str, actor: str = "system") -> None:
        self.effects.append(Note(at=self.now, type=type_, actor=actor, detail=detail))

    def send(self, stage: int, channel: str, recipient: str, reason: str | None = None) -> None:
        delivery = Delivery(id=self.case.next_delivery_id(), stage=stage, channel=channel,
                            recipient=recipient, dispatch_open=channel == "mobile_team")
        self.case.deliveries.append(delivery)
        self.effects.append(Send(delivery.id, stage, channel, recipient, reason))

    def page_officers(self, stage: int, reason: str) -> None:
        """Page the case's officers on shift (all of them when none is); an overdue
        confirmation also goes up to the shift supervisors (值班领导) who see the case."""
        district = self.case.district
        officers = self.facts.officers_to_page(district, self.now)
        leads = tuple(lead for lead in self.facts.supervisors_of(district, self.now)
                      if lead not in officers) if reason == "overdue" else ()
        for person in (*officers, *leads):
            self.send(stage, "duty_page", person, reason)
        paged = ("已呼叫 " + "、".join(officers) if officers
                 else "无人可呼叫（本辖区没有值班民警）")
        self.note("duty_page", f"{word(PAGE_REASONS, reason)}：{paged}"
                  + ("；上报值班领导 " + "、".join(leads) if leads else ""))


def start(run: Run, tier: Tier, *, after_upgrade: bool) -> None:
    """Append the tier's ladder to the case's stages and enter its first stage."""
    case = run.case
    first = len(case.stages)
    for position, spec in enumerate(case.policy.ladders[tier]):
        case.stages.append(Stage(index=first + position, tier=tier, position=position,
                                 spec=spec, after_upgrade=after_upgrade and position == 0))
    case.ladder = "running"
    enter(run, case.stages[first])


def enter(run: Run, stage: Stage) -> None:
    run.case.current = stage.index
    stage.reached_at = run.now
    untried = untried_channels(run.case, stage)
    if untried:
        # No deadline while held: the case waits in the 96110 desk's worklist, and the
        # stage goes on the moment a result is reported (`resume_after_try`).
        stage.state = "pending"
        stage.waiting_tried = True
        run.note("waiting_tried", f"{stage_called(stage)}等待"
                 + words(CHANNELS, untried) + "有首次结果后再执行")
        return
    stage.waiting_tried = False
    if stage.spec.confirm is not None:
        stage.state = "awaiting_confirmation"
        stage.confirm_due = run.now + stage.spec.confirm
        run.note("awaiting_confirmation", f"{stage_called(stage)}"
                 f"（{words(CHANNELS, stage.spec.send)}）等待值班民警确认")
        run.page_officers(stage.index, "confirm")
    else:
        dispatch(run, stage)


def untried_channels(case: Case, stage: Stage) -> list[str]:
    """The stage's `after_tried` channels that went out in this case and have no result
    yet; a channel that was never sent, or could not be, holds nothing back."""
    return [channel for channel in stage.spec.after_tried
            if any(d.channel == channel and not d.send_failed
                   for d in case.deliveries)
            and not any(d.channel == channel and d.results for d in case.deliveries)]


def resume_after_try(run: Run) -> None:
    """A result came in: a stage held for a first try goes on once nothing holds it."""
    stage = run.case.current_stage()
    if stage is not None and stage.waiting_tried and not untried_channels(run.case, stage):
        enter(run, stage)


def dispatch(run: Run, stage: Stage, chosen_team: str | None = None) -> None:
    """Send all of the stage's channels at once, or hold it until a team is free.
    `chosen_team`: the team an officer named, of any district; it must have room."""
    case = run.case
    team = None
    sends_team = "mobile_team" in stage.spec.send and not _skipped_after_upgrade(
        case, stage, "mobile_team")
    if chosen_team is not None:
        _check_chosen_team(run, sends_team, chosen_team)
        team = chosen_team
        run.teams_taken.append(team)
    elif sends_team:
        team = run.facts.free_team(case.district, run.teams_taken)
        if team is None:
            _hold_for_team(run, stage)
            return
        run.teams_taken.append(team)
    stage.waiting_team = False
    stage.state = "active"
    for channel in stage.spec.send:
        _send_channel(run, stage, channel, team)
    if not case.stage_deliveries(stage.index):
        run.note("stage_skipped", f"{stage_called(stage)}：没有可发的消息，跳过")
        end_stage(run, stage, "skipped")
        if stage.spec.wait is None:
            _end_ladder(run, stage)
        else:
            move_on(run)
        return
    _start_clocks(run, stage)


def _check_chosen_team(run: Run, sends_team: bool, team: str) -> None:
    if not sends_team:
        raise Rejected("this stage sends no mobile team: do not name one")
    room = run.facts.team_has_room(team, run.teams_taken)
    if room is None:
        raise Rejected(f"there is no team '{team}'")
    if not room:
        raise Rejected(f"team '{team}' is busy: name another or confirm without a team")


def _hold_for_team(run: Run, stage: Stage) -> None:
    stage.state = "pending"
    if not stage.waiting_team:
        stage.waiting_team = True
        run.note("no_team", f"{stage_called(stage)}：暂无空闲机动队，一有空闲立即派出")
        run.page_officers(stage.index, "no_team")


def _send_channel(run: Run, stage: Stage, channel: str, team: str | None) -> None:
    case = run.case
    subject = case.subject
    if channel == "flash_sms":
        if _flash_allowed(run):
            case.last_flash_at = run.now
            run.send(stage.index, channel, subject.msisdn)
        return
    if _skipped_after_upgrade(case, stage, channel):
        run.note("channel_skipped", f"{stage_called(stage)}：{word(CHANNELS, channel)}本案已发过，"
                 "不再重发")
        return
    if channel == "school_group":
        liaisons = run.facts.liaisons_of(case.school) if case.school else ()
        if not liaisons:
            run.note("channel_skipped", f"{stage_called(stage)}：不发警校联动，"
                     + _why_no_school_group(case))
            return
        case.school_notified = True
        for liaison in liaisons:
            run.send(stage.index, channel, liaison)
        return
    run.send(stage.index, channel, team if channel == "mobile_team" and team else subject.msisdn)


def _flash_allowed(run: Run) -> bool:
    case = run.case
    known = [t for t in (case.last_flash_at, run.facts.last_flash_at(case.subject.msisdn))
             if t is not None]
    last = max(known) if known else None
    if last is not None and run.now - last < case.policy.flash_cooldown:
        run.note("flash_suppressed", f"闪信未发：上一条闪信{ago(run.now - last)}已发出，"
                 f"冷却期{span(case.policy.flash_cooldown)}内不再发送")
        return False
    return True


def _skipped_after_upgrade(case: Case, stage: Stage, channel: str) -> bool:
    """In the first stage of an upgraded ladder, what already went out is not sent again."""
    return stage.after_upgrade and any(d.channel == channel and not d.send_failed
                                       for d in case.deliveries)


def _start_clocks(run: Run, stage: Stage) -> None:
    spec = stage.spec
    stage.started_at = run.now
    stage.wait_due = run.now + spec.wait if spec.wait is not None else None
    has_ack_target = any(d.channel in ACK_CHANNELS for d in run.case.stage_deliveries(stage.index))
    stage.ack_due = run.now + spec.ack if spec.ack is not None and has_ack_target else None
    sent = {d.channel for d in run.case.stage_deliveries(stage.index)}
    run.note("dispatched", f"{stage_called(stage)}已派发："
             + words(CHANNELS, [c for c in spec.send if c in sent]))
    if spec.wait is None:
        stage.state = "passed"
        _end_ladder(run, stage)


def _end_ladder(run: Run, stage: Stage) -> None:
    """A stage with no wait ends the ladder once it has gone out (or had nothing to send);
    the case then closes as warned when its window passes."""
    run.case.ladder = "ended"
    run.note("ladder_ended", f"{stage_called(stage)}是最后一级；最后一条信号后"
             f"{span(run.case.policy.case_window)}内无新信号即自动结案（已预警结案）")


def end_stage(run: Run, stage: Stage, state: StageState) -> None:
    stage.state = state
    stage.waiting_team = stage.waiting_tried = False
    stage.wait_due = stage.ack_due = None
    for delivery in run.case.stage_deliveries(stage.index):
        if delivery.dispatch_open:
            close_dispatch(run, delivery)


def move_on(run: Run) -> None:
    """Enter the next stage of the running ladder, or mark the ladder exhausted."""
    case = run.case
    current = case.current_stage()
    if current is not None and current.index + 1 < len(case.stages):
        enter(run, case.stages[current.index + 1])
        return
    case.ladder = "exhausted"
    last = current.index if current is not None else 0
    run.note("exhausted", "阶梯已用尽，仍未劝阻成功：需值班民警登记结果并结案")
    run.page_officers(last, "exhausted")


def check_stage_failure(run: Run, index: int) -> None:
    """Fail the stage once nobody in it can still report `dissuaded` (CONTRACT §4)."""
    case = run.case
    stage = case.stages[index]
    ended_ladder = case.ladder == "ended" and case.current == index
    if not (stage.state == "active" and case.current == index) and not ended_ladder:
        return
    deliveries = case.stage_deliveries(index)
    decisive = [d for d in deliveries if d.channel in DECISIVE_CHANNELS]
    if not all(d.is_negative() for d in decisive or deliveries):
        return
    run.note("stage_failed", f"{stage_called(stage)}：消息均未发出或反馈均未成功")
    end_stage(run, stage, "failed")
    if ended_ladder:
        case.ladder = "running"
    move_on(run)


def close_dispatch(run: Run, delivery: Delivery) -> None:
    delivery.dispatch_open = False
    run.effects.append(CloseDispatch(delivery.id, delivery.recipient))


def cancel_open_stages(run: Run) -> None:
    for stage in run.case.stages:
        if stage.state in OPEN_STAGE_STATES:
            end_stage(run, stage, "cancelled")
        stage.overdue = False


def resolve(run: Run, outcome: str, actor: str, note: str | None = None) -> None:
    case = run.case
    cancel_open_stages(run)
    for delivery in case.deliveries:
        if delivery.dispatch_open:
            close_dispatch(run, delivery)
    case.state, case.outcome, case.resolved_at = "resolved", outcome, run.now
    case.current = None
    run.effects.append(CancelQueued())
    run.note("resolved", f"结案：{word(OUTCOMES, outcome)}" + (f" — {note}" if note else ""),
             actor)


def stage_awaiting(case: Case, index: int) -> Stage:
    stage = case.current_stage()
    if stage is None or stage.index != index or stage.state != "awaiting_confirmation":
        raise Rejected(f"stage {index} is not awaiting confirmation")
    return stage


def handle_due(run: Run) -> None:
    """Act on every deadline that has passed by `run.now`, earliest first."""
    for _ in range(len(run.case.stages) + 2):
        if not _handle_one_due(run):
            return


def _handle_one_due(run: Run) -> bool:
    case = run.case
    if case.state == "resolved":
        return False
    stage = case.current_stage()
    if case.ladder == "ended" and run.now >= case.last_signal_at + case.policy.case_window:
        resolve(run, "warned", "system", f"{span(case.policy.case_window)}内无新信号")
        return True
    deadline = stage.deadline() if stage is not None else None
    if stage is None or deadline is None or run.now < deadline:
        return False
    if stage.state == "awaiting_confirmation":
        stage.overdue = True
        confirm = span(stage.spec.confirm) if stage.spec.confirm else "时限"
        run.note("overdue", f"{stage_called(stage)}未在{confirm}内确认")
        run.page_officers(stage.index, "overdue")
        return True
    expired = "ack" if stage.ack_due is not None and stage.ack_due <= run.now and (
        stage.wait_due is None or stage.ack_due <= stage.wait_due) else "wait"
    run.note(f"{expired}_expired", f"{stage_called(stage)}：" + (
        f"回执时限{span(stage.spec.ack)}已到，未收到回执" if expired == "ack" and stage.spec.ack
        else f"等待{span(stage.spec.wait)}已到" if stage.spec.wait else "时限已到"))
    end_stage(run, stage, "passed")
    move_on(run)
    return True


def _why_no_school_group(case: Case) -> str:
    if case.school is not None:
        return NO_SCHOOL_GROUP["no_liaison"]
    return NO_SCHOOL_GROUP["unknown_school" if case.subject.school else "not_a_student"]
