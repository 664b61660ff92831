"""Every request of the corpus gets its 4xx and changes nothing, on SQLite and PostgreSQL.

One world per database: a case awaiting confirmation, its deliveries, a stored signal.
Before and after each bad request the whole database is read (every table but `audit`,
which records refusals on purpose) and must be the same, row for row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from tests.integration.api_harness import Api
from tests.security.corpus import CORPUS, Bad
from warn.store.db import upgrade
from warn.store.models import Audit, Base


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[tuple[Api, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("bad-input")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'warn.db'}"
        upgrade(url)
    else:
        url = request.getfixturevalue("pg_url")
        engine: Engine = request.getfixturevalue("pg_engine")
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    api = Api(url, folder / "gateway.ndjson")
    api.user("root", "admin")
    api.user("carrier", "feed")
    api.user("off_w", "officer", district="wanzhou")
    api.school("sanxia-med")
    stored = api.signal("flagged_call", signal_id="stored-1", district="wanzhou")
    assert api.post("carrier", "/v1/signals", stored).status_code == 202
    case_id = api.get("root", "/v1/signals/stored-1").json()["case_id"]
    callback = api.delivery(case_id, "callback_96110")["id"]
    assert api.post("off_w", f"/v1/deliveries/{callback}/result",
                    {"result": "hung_up"}).status_code == 200
    assert api.case(case_id)["flags"] == ["awaiting_confirmation"]
    names = {"case": case_id, "callback": callback, "signal": "stored-1",
             "flash": api.delivery(case_id, "flash_sms")["id"]}
    yield api, names
    api.close()


def snapshot(api: Api) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the audit log, in a stable order."""
    rows = {}
    with api.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name != "audit":
                query = select(table).order_by(*table.primary_key.columns)
                rows[table.name] = [tuple(row) for row in conn.execute(query)]
    return rows


def send(api: Api, bad: Bad, names: dict[str, str]) -> Any:
    path = bad.path.format(**names)
    headers = api.as_(bad.who)
    if bad.method == "GET" or bad.method == "DELETE":
        return api.client.request(bad.method, path, headers=headers)
    body = bad.body() if callable(bad.body) else bad.body
    if isinstance(body, dict) and body.get("id") == "{signal}":
        body = {**body, "id": names["signal"]}
    if isinstance(body, bytes):
        return api.client.post(path, content=body,
                               headers={**headers, "Content-Type": "application/json"})
    return api.client.post(path, json=body, headers=headers)


def test_the_corpus_is_big_enough() -> None:
    assert len(CORPUS) >= 60
    assert len({bad.name for bad in CORPUS}) == len(CORPUS), "names must be unique"


@pytest.mark.parametrize("bad", CORPUS, ids=lambda bad: bad.name)
def test_a_bad_request_is_refused_and_changes_nothing(world: tuple[Api, dict[str, str]],
                                                      bad: Bad) -> None:
    api, names = world
    before, audited = snapshot(api), _audit_count(api)
    response = send(api, bad, names)
    api.drain()
    assert response.status_code == bad.status, response.text[:500]
    error = response.json()["error"]
    assert error["code"] == bad.code, error
    assert isinstance(error["message"], str) and len(error["message"]) > 5, error
    if bad.field is not None:
        assert error.get("field") == bad.field, error
    assert snapshot(api) == before, "a refused request changed the database"
    for detail in _audit_since(api, audited):
        # refusals may be audited (that is the point of an audit log), nothing else
        assert detail.get("status", 400) >= 400 and not detail.get("accepted"), detail


def _audit_count(api: Api) -> int:
    with api.engine.connect() as conn:
        return len(conn.execute(select(Audit.id)).all())


def _audit_since(api: Api, count: int) -> list[dict[str, Any]]:
    with api.engine.connect() as conn:
        rows = conn.execute(select(Audit.detail).order_by(Audit.id)).scalars().all()
    return [json.loads(detail) for detail in rows[count:]]

