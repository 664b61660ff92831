"""The world the browser tests start from: schools, teams, people with console passwords,
and four weeks of past cases made through the real service layer (the API harness with a
hand-moved clock), so the dashboard has history to draw. Runs before `warn serve` starts,
on the same SQLite file."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.integration.api_harness import Api
from warn.console.accounts import set_password
from warn.render import LOCAL_TZ
from warn.service.registration import add_district, add_school, add_user
from warn.store.db import upgrade

PASSWORD = "night shift 2026"
SCHOOL, OTHER_SCHOOL, TEAM = "sanxia-med", "cq-gongcheng", "wz-team-1"
# name → (role, scope); every one of them gets PASSWORD.
PEOPLE = {
    "root": ("admin", {}),
    "cui": ("officer", {"district": "wanzhou"}),
    "liu": ("officer", {"district": "wanzhou"}),  # a second 96110 operator on the same desk
    "zhang-teacher": ("liaison", {"school": SCHOOL}),
    "wang-teacher": ("liaison", {"school": OTHER_SCHOOL}),
    "team-1": ("team", {"team": TEAM}),
    "locky": ("officer", {"district": "wanzhou"}),
}


@dataclass(frozen=True)
class World:
    feed_token: str
    admin_token: str


def seed(db_url: str, folder: Path, days: int = 28) -> World:
    upgrade(db_url)
    api = Api(db_url, folder / "seed-gateway.ndjson")
    try:
        api.clock.now = _morning(datetime.now(UTC) - timedelta(days=days))
        _directory(api)
        feed = add_user(api.ctx, "city-feed", "feed")
        _history(api, days, random.Random(20260223))
        return World(feed_token=feed, admin_token=api.tokens["root"])
    finally:
        api.close()


def _morning(moment: datetime) -> datetime:
    local = moment.astimezone(LOCAL_TZ).replace(hour=8, minute=0, second=0, microsecond=0)
    return local.astimezone(UTC)


def _directory(api: Api) -> None:
    add_district(api.ctx, "wanzhou", "万州区")
    add_school(api.ctx, SCHOOL, "重庆三峡医药高等专科学校", "wanzhou")
    add_school(api.ctx, OTHER_SCHOOL, "重庆工程学院", "wanzhou")
    api.team(TEAM, "wanzhou")
    api.team("wz-team-2", "wanzhou")
    for name, (role, scope) in PEOPLE.items():
        api.user(name, role, **scope)
        set_password(api.ctx, name, PASSWORD)


def _history(api: Api, days: int, rng: random.Random) -> None:
    serial = 0
    for day in range(days, 0, -1):
        api.clock.now = max(api.clock.now, _morning(datetime.now(UTC) - timedelta(days=day)))
        for _ in range(rng.randint(2, 6)):
            serial += 1
            api.tick(minutes=rng.randint(5, 40))
            _one_case(api, rng, f"+86137{serial:08d}")


def _one_case(api: Api, rng: random.Random, msisdn: str) -> None:
    kind = rng.choice(["scam_site_visit", "flagged_call", "transfer_attempt", "scam_sms",
                       "fraud_app_install", "scam_site_visit"])
    case_id = api.open_case(kind, msisdn=msisdn, district="wanzhou",
                            name=rng.choice(["陈某", "刘某", "张某", "李某", "赵某"]))
    if kind == "scam_sms":  # low: the flash SMS was the warning; it closes by itself
        api.tick(hours=2, minutes=1)
        return
    roll = rng.random()
    api.tick(minutes=rng.randint(1, 12))
    if roll < 0.6:
        callback = api.delivery(case_id, "callback_96110")["id"]
        api.post("cui", f"/v1/deliveries/{callback}/result", {"result": "dissuaded"})
        return
    outcome = "victimized" if roll < 0.75 else ("dissuaded" if roll < 0.9 else "false_positive")
    api.tick(minutes=rng.randint(5, 40))
    answer = api.post("cui", f"/v1/cases/{case_id}/outcome", {"outcome": outcome})
    assert answer.status_code == 200, answer.text
