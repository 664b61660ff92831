"""`warn demo`: three cases from the seed reports, replayed in accelerated time.

It runs the real service layer on a throwaway SQLite database, with a simulated clock that
jumps ahead and the inline runtime (the tasks' own code, no broker), then prints each
case's timeline.
"""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import select

from warn import vocabulary as words
from warn.channels.registry import build_gateways
from warn.domain.case import flags
from warn.policy_file import load_policy
from warn.service import actions, registration
from warn.service.context import Context
from warn.service.ingest import ingest
from warn.service.sweeper import Sweeper
from warn.store.db import make_engine, session_factory, upgrade
from warn.store.models import CaseRow, Delivery, TimelineEntry
from warn.store.policies import stored_case
from workers.inline import InlineRuntime

START = datetime(2026, 2, 23, 10, 43, tzinfo=UTC)  # 18:43 in Wanzhou
STEP = timedelta(seconds=5)


class DemoRoom:
    """A duty room on a simulated clock: signals, people's answers, and time passing."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.runtime = InlineRuntime(ctx)
        self.now = START
        self.sweeper = Sweeper(ctx, redrive_every_s=3600)

    def clock(self) -> datetime:
        return self.now

    def at(self, minutes: float) -> None:
        """Let time pass until `minutes` after the start, firing timers as they fall due."""
        target = START + timedelta(minutes=minutes)
        while self.now < target:
            self.now = min(self.now + STEP, target)
            self.runtime.run_now(self.sweeper.sweep())

    def signal(self, **signal: object) -> str:
        signal.setdefault("observed_at", self.now.isoformat())
        (accepted, refused), work = ingest(self.ctx, [signal])
        assert accepted and not refused, refused
        self.runtime.run_now(work)
        with self.ctx.reads() as session:
            case_id = session.scalar(select(CaseRow.id).where(
                CaseRow.msisdn == signal["subject"]["msisdn"]).order_by(  # type: ignore[index]
                CaseRow.opened_at.desc()))
        assert case_id is not None
        return case_id

    def answer(self, case_id: str, channel: str, result: str, actor: str,
               note: str | None = None) -> None:
        with self.ctx.reads() as session:
            delivery_id = session.scalar(select(Delivery.id).where(
                Delivery.case_id == case_id, Delivery.channel == channel)
                .order_by(Delivery.created_at.desc(), Delivery.id.desc()))
        assert delivery_id is not None, f"no {channel} delivery in case {case_id}"
        self.runtime.run_now(actions.report_result(self.ctx, delivery_id, result, actor,
                                                   note)[1])

    def confirm(self, case_id: str, stage: int, actor: str) -> None:
        self.runtime.run_now(actions.confirm(self.ctx, case_id, stage, actor)[1])

    def decline(self, case_id: str, stage: int, actor: str, reason: str) -> None:
        self.runtime.run_now(actions.decline(self.ctx, case_id, stage, actor, reason)[1])


def run_demo(console: Console | None = None) -> list[str]:
    """Run the three scenarios; print and return their case ids."""
    console = console or Console()
    with _demo_room() as room:
        _register(room.ctx)
        cases = [wanzhou_student(room), ongoing_police_call(room), unanswered_transfer(room)]
        for title, case_id in cases:
            print_case(console, room.ctx, title, case_id)
    return [case_id for _, case_id in cases]


@contextmanager
def _demo_room() -> Iterator[DemoRoom]:
    with tempfile.TemporaryDirectory(prefix="warn-demo-") as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        upgrade(url)
        engine = make_engine(url)
        ctx = Context(engine=engine, sessions=session_factory(engine), policy=load_policy(
            os.environ.get("WARN_POLICY") or None), gateways=build_gateways(os.environ))
        room = DemoRoom(ctx)
        ctx.clock = room.clock
        try:
            yield room
        finally:
            engine.dispose()


def _register(ctx: Context) -> None:
    registration.add_district(ctx, "wanzhou", "万州区")
    registration.add_district(ctx, "fuling", "涪陵区")
    registration.add_school(ctx, "sanxia-med", "重庆三峡医药高等专科学校", "wanzhou")
    registration.add_team(ctx, "fuling-team-1", "fuling")
    registration.add_team(ctx, "wanzhou-team-1", "wanzhou")
    for name, district in (("cui", "wanzhou"), ("yang", "wanzhou"), ("li", "fuling"),
                           ("96110-desk", None)):
        registration.add_user(ctx, name, "officer", district=district)
    registration.add_user(ctx, "sanxia-security", "liaison", school="sanxia-med")
    registration.add_user(ctx, "fuling-team-1", "team", team="fuling-team-1")


def wanzhou_student(room: DemoRoom) -> tuple[str, str]:
    """Seed 003: a student logs in to a scam site, hangs up on 96110, the school steps in."""
    room.at(0)
    case_id = room.signal(
        id="city-centre-20260223-0412", kind="scam_site_visit",
        subject={"msisdn": "+8613812345678", "name": "郭某", "district": "wanzhou",
                 "school": "sanxia-med", "student_no": "2023-0412"},
        attributes={"url": "hxxp://safe-pay[.]cn", "fraud_type": "order_brushing"})
    room.at(1)
    room.answer(case_id, "callback_96110", "hung_up", "96110-desk", "说没有登录，挂断了电话")
    room.at(3)
    room.answer(case_id, "school_group", "acknowledged", "sanxia-security", "已联系班主任")
    room.at(8)
    room.answer(case_id, "school_group", "dissuaded", "sanxia-security", "班主任在宿舍当面劝阻")
    return "万州：登录诈骗网站的学生（警校联动）", case_id


def ongoing_police_call(room: DemoRoom) -> tuple[str, str]:
    """Seeds 001/003: an hour on the line with a fake police officer; the team goes out."""
    room.at(20)
    case_id = room.signal(
        id="carrier-7-000123", kind="flagged_call",
        subject={"msisdn": "+8613900001111", "name": "王某", "district": "fuling",
                 "location": "涪陵区人民路工商银行大厅"},
        attributes={"caller": "+85212345678", "duration_s": 3600, "ongoing": True,
                    "fraud_type": "impersonating_police"})
    room.at(22)
    room.answer(case_id, "flash_sms", "read", "carrier")
    room.answer(case_id, "callback_96110", "no_answer", "96110-desk", "占线，正与对方通话")
    room.at(23)
    room.confirm(case_id, 1, "li")
    room.at(25)
    room.answer(case_id, "mobile_team", "acknowledged", "fuling-team-1")
    room.at(32)
    room.answer(case_id, "mobile_team", "arrived", "fuling-team-1", "已到银行大厅")
    room.at(40)
    room.answer(case_id, "mobile_team", "dissuaded", "fuling-team-1", "转账前拦下 60,000 元")
    return "涪陵：与假冒公安通话一小时（机动队出动）", case_id


def unanswered_transfer(room: DemoRoom) -> tuple[str, str]:
    """A transfer attempt nobody answers: overdue confirmation, pages, then exhausted."""
    room.at(45)
    case_id = room.signal(
        id="bank-3-88812", kind="transfer_attempt",
        subject={"msisdn": "+8613700002222", "name": "陈某", "district": "wanzhou"},
        attributes={"account": "6222 0000 1111 2222", "amount_cny": 48000,
                    "fraud_type": "romance_investment"})
    room.at(60)
    room.decline(case_id, 1, "yang", "机动队均在外勤，无人可派")
    room.at(65)
    return "无人接听的转账（超时未确认、阶梯用尽）", case_id


def print_case(console: Console, ctx: Context, title: str, case_id: str) -> None:
    with ctx.reads() as session:
        row = session.get(CaseRow, case_id)
        assert row is not None
        case = stored_case(session, row.aggregate, row.policy_id)
        entries = list(session.scalars(select(TimelineEntry).where(
            TimelineEntry.case_id == case_id).order_by(TimelineEntry.id)))
    state = words.label(words.CASE_STATES, row.state) + (
        f"（{words.label(words.OUTCOMES, row.outcome)}）" if row.outcome else "")
    shown_flags = "、".join(words.label(words.FLAGS, f) for f in flags(case)) or "无"
    console.rule(f"[bold]{title}")
    console.print(f"案件 {case_id}  对象 {case.subject.msisdn}  "
                  f"{words.label(words.TIERS, row.tier)}风险 {row.score}分  {state}  "
                  f"标记：{shown_flags}", markup=False)
    table = Table(show_lines=False)
    for column in ("时间", "事件", "操作人", "详情"):
        table.add_column(column)
    for entry in entries:
        elapsed = entry.at - START
        minutes, seconds = divmod(int(elapsed.total_seconds()), 60)
        # a detail is shown as written: rich would take "[...]" in it for markup
        table.add_row(f"+{minutes:02d}:{seconds:02d}", words.label(words.TIMELINE, entry.type),
                      words.ACTORS.get(entry.actor, entry.actor), Text(entry.detail))
    console.print(table)
