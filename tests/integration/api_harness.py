"""Driving the HTTP API in tests: a real app over a real database (SQLite or PostgreSQL),
the inline runtime drained after each request, mock gateways and a hand-moved clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.policies import contract_policy
from warn.app import create_app
from warn.channels.registry import build_gateways
from warn.service.context import Context
from warn.service.registration import add_district, add_school, add_team, add_user
from warn.service.timers import claim_due_timers
from warn.store.db import make_engine, session_factory
from warn.work import Work
from workers.inline import InlineRuntime

MSISDN = "+8613812345678"
MASKED = "138****5678"


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Api:
    """One app, its context and its users; `as_(name)` gives that user's headers."""

    def __init__(self, db_url: str, mock_log: Path):
        self.engine = make_engine(db_url)
        self.clock = Clock(datetime.now(UTC).replace(microsecond=0))
        self.ctx = Context(engine=self.engine, sessions=session_factory(self.engine),
                           policy=contract_policy(),
                           gateways=build_gateways({"WARN_MOCK_LOG": str(mock_log)}),
                           clock=self.clock)
        self.runtime = InlineRuntime(self.ctx)
        self.app = create_app(lambda: self.ctx, hand_off=self.runtime.hand_off)
        self.client = TestClient(self.app)
        self.tokens: dict[str, str] = {}
        self._serial = 0

    # --- directory ----------------------------------------------------------------------

    def school(self, school_id: str, district: str = "wanzhou") -> None:
        add_school(self.ctx, school_id, f"{school_id} 学院", district)

    def team(self, team_id: str, district: str = "wanzhou", capacity: int = 1) -> None:
        add_team(self.ctx, team_id, district, capacity)
        self.drain()

    def user(self, name: str, role: str, **scope: str | None) -> str:
        if scope.get("district"):  # an officer's district is registered before the officer
            add_district(self.ctx, str(scope["district"]), str(scope["district"]))
        self.tokens[name] = add_user(self.ctx, name, role, **scope)
        return self.tokens[name]

    # --- requests -----------------------------------------------------------------------

    def as_(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def get(self, who: str | None, path: str, **params: Any) -> httpx.Response:
        headers = self.as_(who) if who else {}
        return self.client.get(path, params=params or None, headers=headers)

    def post(self, who: str | None, path: str, body: Any = None, **kwargs: Any
             ) -> httpx.Response:
        headers = self.as_(who) if who else {}
        response = self.client.post(path, json=body, headers=headers, **kwargs)
        self.drain()
        return response

    def drain(self) -> int:
        return self.runtime.drain()

    def tick(self, **delta: float) -> None:
        """Move the clock on, fire the timers now due, and run what they start."""
        self.clock.advance(**delta)
        self.runtime.run_now(Work(timers=claim_due_timers(self.ctx)))

    # --- signals and cases --------------------------------------------------------------

    def signal(self, kind: str = "scam_site_visit", *, signal_id: str | None = None,
               msisdn: str = MSISDN, attributes: dict[str, Any] | None = None,
               **subject: str) -> dict[str, Any]:
        self._serial += 1
        defaults = {"scam_site_visit": {"url": "http://scam.example/login"},
                    "flagged_call": {"caller": "+85212345678", "duration_s": 3600,
                                     "ongoing": True},
                    "scam_sms": {"sender": "10690000"},
                    "fraud_app_install": {"app": "remote-screen"},
                    "transfer_attempt": {"account": "6222000011112222", "amount_cny": 60000}}
        return {"id": signal_id or f"sig-{self._serial}", "kind": kind,
                "observed_at": (self.clock.now - timedelta(minutes=1)).isoformat(),
                "subject": {"msisdn": msisdn, **subject},
                "attributes": attributes if attributes is not None else defaults[kind]}

    def open_case(self, kind: str = "scam_site_visit", **subject: Any) -> str:
        """Ingest one signal as admin, process it, and return its case id."""
        body = self.signal(kind, **subject)
        response = self.post("root", "/v1/signals", body)
        assert response.status_code == 202, response.text
        state = self.get("root", f"/v1/signals/{body['id']}").json()
        assert state["case_id"], state
        return str(state["case_id"])

    def case(self, case_id: str, who: str = "root") -> dict[str, Any]:
        response = self.get(who, f"/v1/cases/{case_id}")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def delivery(self, case_id: str, channel: str) -> dict[str, Any]:
        items = self.case(case_id)["deliveries"]
        found = [d for d in items if d["channel"] == channel]
        assert found, f"no {channel} delivery in {[d['channel'] for d in items]}"
        return dict(found[-1])

    def close(self) -> None:
        self.client.close()
        self.engine.dispose()


@pytest.fixture
def api(db_url: str, mock_log: Path) -> Iterator[Api]:
    """An Api with an admin `root` already registered."""
    harness = Api(db_url, mock_log)
    harness.user("root", "admin")
    yield harness
    harness.close()


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert set(error) <= {"code", "message", "field"} and error["message"]
    if code is not None:
        assert error["code"] == code, error
    return error
