"""Fault 6: the long waits of the default policy (a 30-minute stage, the 2-hour case
window), driven with freezegun through the scheduler's sweep and the real Celery tasks.

A frozen clock breaks worker threads (it freezes time.monotonic too), so the tasks run in
this thread through `Task.apply`, lane by lane as a worker takes them, with this test's
runtime installed as the process's, and the scheduler is swept by hand after each move of
the clock. Deadlines must be met to the second: nothing
happens a second early, everything happens on time.
"""

import json
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from tests.faults.conftest import Report, Servers
from tests.faults.harness import ATTRIBUTES, Tally
from warn.channels.registry import build_gateways
from warn.policy_file import load_policy
from warn.service import actions
from warn.service.context import Context
from warn.service.ingest import ingest
from warn.service.registration import add_school, add_team, add_user
from warn.service.sweeper import Sweeper
from warn.store.db import make_engine, session_factory, upgrade
from warn.store.models import CaseRow, Delivery
from warn.work import Work
from workers import runtime, tasks
from workers.inline import InlineQueue

pytestmark = pytest.mark.faults
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
STUDENT, ADULT = "+8613700000001", "+8613700000002"


class CeleryTasks(runtime.Runtime):
    """A runtime whose broker is a local queue; `drain` runs each message through its
    real Celery task, which finds this runtime as the process's."""

    def drain(self) -> None:
        queue = self.outlet
        assert isinstance(queue, InlineQueue)
        while (message := queue.take()) is not None:
            task, _lane, ids = message
            args = [ids] if ids else []
            tasks.celery_app.tasks[task].apply(args=args).get()  # .get() raises what it raised

    def run_now(self, work: Work) -> None:
        self.hand_off(work)
        self.drain()


@pytest.fixture
def ctx(servers: Servers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
        ) -> Iterator[Context]:
    url = servers.postgres.create_database("warn_long_waits")
    upgrade(url)
    engine = make_engine(url)
    context = Context(engine=engine, sessions=session_factory(engine), policy=load_policy(),
                      gateways=build_gateways({"WARN_MOCK_LOG": str(tmp_path / "gw.ndjson")}))
    monkeypatch.setattr(runtime, "_current", CeleryTasks(context, InlineQueue()))
    yield context
    engine.dispose()


def _tasks() -> CeleryTasks:
    current = runtime.current()
    assert isinstance(current, CeleryTasks)
    return current


def test_thirty_minute_stages_and_the_two_hour_window_run_on_time(ctx: Context,
                                                                  report: Report) -> None:
    tasks = _tasks()
    with freeze_time(T0) as clock:
        add_school(ctx, "sanxia-med", "重庆三峡医药高等专科学校", "wanzhou")
        add_team(ctx, "wz-team-1", "wanzhou")
        add_user(ctx, "cui", "officer", district="wanzhou")
        add_user(ctx, "sanxia-security", "liaison", school="sanxia-med")

        def at(minutes: float) -> None:
            clock.move_to(T0 + timedelta(minutes=minutes))
            tasks.run_now(Sweeper(ctx).sweep())

        _signal(ctx, "long-1", "scam_site_visit", STUDENT, school="sanxia-med")
        _signal(ctx, "long-2", "scam_sms", ADULT)
        sent = _sent_counter(ctx)
        assert sent() == {"flash_sms": 2, "callback_96110": 1}
        at(9 + 59 / 60)  # the medium case's first stage waits 10 minutes
        assert "school_group" not in sent()
        at(10)
        assert sent()["school_group"] == 1
        _answer(ctx, "school_group", "acknowledged")  # the 5-minute ack is met
        _answer(ctx, "callback_96110", "no_answer")  # 96110 has tried: a team may be asked
        at(10 + 30 - 1 / 60)  # the school stage waits 30 minutes
        assert "duty_page" not in sent()
        at(40)  # ... then the mobile team stage asks an officer
        assert sent()["duty_page"] == 1
        at(45)  # confirm: 5m, not answered -> overdue, paged once more
        assert sent()["duty_page"] == 2
        tasks.run_now(actions.confirm(ctx, _case(ctx, STUDENT), 2, "cui")[1])
        assert sent()["mobile_team"] == 1
        at(45 + 30)  # the team stage's 30 minutes run out: the ladder is exhausted
        assert _row(ctx, STUDENT).flag_exhausted
        at(119 + 59 / 60)  # the low case closes 2 hours after its last signal, not before
        assert _row(ctx, ADULT).state == "open"
        at(120)
        assert (_row(ctx, ADULT).state, _row(ctx, ADULT).outcome) == ("resolved", "warned")
        at(24 * 60)  # a day later nothing more has happened
    final = sent()
    assert final == {"flash_sms": 2, "callback_96110": 1, "school_group": 1, "duty_page": 3,
                     "mobile_team": 1}, final
    tally = Tally(sent=2, warned=len({STUDENT, ADULT} & _recipients(ctx)),
                  duplicated=_gateway_duplicates(ctx))
    report(tally)
    assert (tally.lost, tally.duplicated) == (0, 0)


def _signal(ctx: Context, signal_id: str, kind: str, msisdn: str, **subject: str) -> None:
    (accepted, refused), work = ingest(ctx, [{
        "id": signal_id, "kind": kind, "observed_at": datetime.now(UTC).isoformat(),
        "subject": {"msisdn": msisdn, "district": "wanzhou", **subject},
        "attributes": ATTRIBUTES[kind]}])
    assert accepted and not refused
    _tasks().run_now(work)


def _lines(ctx: Context) -> list[dict[str, Any]]:
    path = ctx.gateways["flash_sms"].behaviour.log_path  # type: ignore[attr-defined]
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _sent_counter(ctx: Context) -> Callable[[], Counter[str]]:
    return lambda: Counter(line["channel"] for line in _lines(ctx))


def _recipients(ctx: Context) -> set[str]:
    return {line["recipient"] for line in _lines(ctx)}


def _gateway_duplicates(ctx: Context) -> int:
    ids = [line["delivery_id"] for line in _lines(ctx)]
    return len(ids) - len(set(ids))


def _row(ctx: Context, msisdn: str) -> CaseRow:
    with ctx.sessions() as session:
        row = session.scalars(select(CaseRow).where(CaseRow.msisdn == msisdn)
                              .order_by(CaseRow.opened_at.desc())).first()
        assert row is not None
        return row


def _case(ctx: Context, msisdn: str) -> str:
    return _row(ctx, msisdn).id


def _answer(ctx: Context, channel: str, result: str) -> None:
    with ctx.sessions() as session:
        delivery = session.scalars(select(Delivery.id).where(
            Delivery.case_id == _case(ctx, STUDENT), Delivery.channel == channel)).one()
    _tasks().run_now(actions.report_result(ctx, delivery, result, "sanxia-security", None)[1])
