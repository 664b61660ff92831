"""A duty room for integration tests: the real service layer on a real database, a clock
the test moves by hand, work run inline, and recording mock gateways."""

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tests.policies import contract_policy
from warn.channels.registry import build_gateways
from warn.domain.case import Case
from warn.policy_file import parse_policy
from warn.service import actions, registration
from warn.service.context import Context
from warn.service.ingest import ingest
from warn.service.sweeper import Sweeper
from warn.store.db import make_engine, session_factory
from warn.store.models import CaseRow, Delivery, SignalRow, TimelineEntry, Timer
from warn.store.policies import stored_case
from workers.inline import InlineRuntime

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


@dataclass
class Room:
    ctx: Context
    runtime: InlineRuntime
    mock_log: Path
    now: datetime = T0

    def clock(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock and let the scheduler and workers catch up."""
        self.now += timedelta(**delta)
        self.runtime.run_now(Sweeper(self.ctx).sweep())

    def signal(self, signal_id: str, kind: str, msisdn: str = "+8613812345678",
               subject: dict[str, Any] | None = None, **attributes: Any) -> str | None:
        (_, refused), work = ingest(self.ctx, [{
            "id": signal_id, "kind": kind, "observed_at": self.now.isoformat(),
            "subject": {"msisdn": msisdn, **(subject or {})}, "attributes": attributes}])
        assert not refused, refused[0].error.message
        self.runtime.run_now(work)
        with self.ctx.sessions() as session:
            return session.scalar(select(CaseRow.id).where(CaseRow.msisdn == msisdn)
                                  .order_by(CaseRow.opened_at.desc()))

    def signal_key(self, feed_id: str) -> str:
        """Our key of the signal the harness sent as `feed_id` (the feed '')."""
        with self.ctx.sessions() as session:
            key = session.scalar(select(SignalRow.id).where(SignalRow.feed == "",
                                                            SignalRow.feed_id == feed_id))
        assert key is not None, feed_id
        return key

    def feed_ids(self, case_id: str) -> list[str]:
        """The feed's ids of the case's signals, in the order they joined it."""
        with self.ctx.sessions() as session:
            names = dict(session.execute(select(SignalRow.id, SignalRow.feed_id)
                                         .where(SignalRow.case_id == case_id)).all())
        return [names[key] for key in self.case(case_id).signal_ids]

    def case(self, case_id: str) -> Case:
        with self.ctx.sessions() as session:
            row = session.get(CaseRow, case_id)
            assert row is not None
            return stored_case(session, row.aggregate, row.policy_id)

    def row(self, case_id: str) -> CaseRow:
        with self.ctx.sessions() as session:
            row = session.get(CaseRow, case_id)
            assert row is not None
            return row

    def deliveries(self, case_id: str, channel: str | None = None) -> list[Delivery]:
        with self.ctx.sessions() as session:
            query = select(Delivery).where(Delivery.case_id == case_id)
            if channel:
                query = query.where(Delivery.channel == channel)
            return list(session.scalars(query.order_by(Delivery.created_at, Delivery.id)))

    def timeline(self, case_id: str) -> list[str]:
        with self.ctx.sessions() as session:
            return list(session.scalars(select(TimelineEntry.type).where(
                TimelineEntry.case_id == case_id).order_by(TimelineEntry.id)))

    def pending_timers(self, case_id: str) -> list[Timer]:
        with self.ctx.sessions() as session:
            return list(session.scalars(select(Timer).where(
                Timer.case_id == case_id, Timer.status == "pending")))

    def answer(self, case_id: str, channel: str, result: str, actor: str = "officer") -> Case:
        delivery = self.deliveries(case_id, channel)[-1]
        after, work = actions.report_result(self.ctx, delivery.id, result, actor, None)
        self.runtime.run_now(work)
        return after

    def gateway_log(self) -> list[dict[str, Any]]:
        if not self.mock_log.exists():
            return []
        return [json.loads(line) for line in self.mock_log.read_text().splitlines() if line]


def make_room(db_url: str, mock_log: Path, policy_text: str | None = None) -> Room:
    engine = make_engine(db_url)
    policy = parse_policy(policy_text) if policy_text else contract_policy()
    ctx = Context(engine=engine, sessions=session_factory(engine), policy=policy,
                  gateways=build_gateways(os.environ))
    room = Room(ctx, InlineRuntime(ctx), mock_log)
    ctx.clock = room.clock
    registration.add_school(ctx, "sanxia-med", "重庆三峡医药高等专科学校", "wanzhou")
    registration.add_user(ctx, "cui", "officer", district="wanzhou")
    registration.add_user(ctx, "sanxia-security", "liaison", school="sanxia-med")
    return room
