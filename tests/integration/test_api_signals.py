"""POST /v1/signals and GET /v1/signals/{id} over SQLite and PostgreSQL (CONTRACT §3)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path

from api_harness import Api, assert_error
from api_harness import api as api  # the fixture
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from warn.app import create_app
from warn.store.db import make_engine, session_factory
from warn.store.models import SignalRow


def _stored(api: Api) -> int:
    with api.ctx.sessions() as session:
        return session.scalar(select(func.count()).select_from(SignalRow)) or 0


def test_single_signal_is_accepted_then_processed(api: Api) -> None:
    api.user("carrier", "feed")
    body = api.signal("flagged_call")
    response = api.post("carrier", "/v1/signals", body)
    assert response.status_code == 202
    assert response.json() == {"id": body["id"], "duplicate": False}
    state = api.get("carrier", f"/v1/signals/{body['id']}").json()
    assert state["id"] == body["id"] and state["state"] == "processed" and state["case_id"]


def test_signal_state_before_processing_and_unknown_id(api: Api) -> None:
    api.user("carrier", "feed")
    body = api.signal()
    response = api.client.post("/v1/signals", json=body, headers=api.as_("carrier"))
    assert response.status_code == 202  # not drained: stored, not yet processed
    state = api.get("carrier", f"/v1/signals/{body['id']}").json()
    assert state == {"id": body["id"], "state": "received", "case_id": None}
    assert_error(api.get("carrier", "/v1/signals/nope"), 404, "not_found")


def test_resending_same_content_is_a_duplicate_and_changes_nothing(api: Api) -> None:
    body = api.signal()
    assert api.post("root", "/v1/signals", body).json()["duplicate"] is False
    again = api.post("root", "/v1/signals", body)
    assert again.status_code == 202 and again.json() == {"id": body["id"], "duplicate": True}
    assert _stored(api) == 1


def test_same_id_other_content_is_a_409_id_conflict(api: Api) -> None:
    body = api.signal()
    api.post("root", "/v1/signals", body)
    changed = {**body, "attributes": {"url": "http://other.example"}}
    error = assert_error(api.post("root", "/v1/signals", changed), 409, "id_conflict")
    assert error["field"] == "id"


def test_invalid_signal_is_a_422_naming_the_field(api: Api) -> None:
    body = api.signal(msisdn="13812345678")
    error = assert_error(api.post("root", "/v1/signals", body), 422, "invalid_signal")
    assert error["field"] == "subject.msisdn"
    assert _stored(api) == 0


def test_an_unregistered_school_is_accepted_and_flagged_not_refused(api: Api) -> None:
    body = api.signal(school="x' OR '1'='1")
    assert api.post("root", "/v1/signals", body).status_code == 202
    case = api.case(api.get("root", f"/v1/signals/{body['id']}").json()["case_id"])
    assert case["flags"] == ["unknown_school"] and case["subject"]["school"] == "x' OR '1'='1"


def test_batch_keeps_valid_items_and_reports_the_others(api: Api) -> None:
    stored = api.signal(signal_id="known")
    api.post("root", "/v1/signals", stored)
    good = api.signal(msisdn="+8613900000001")
    batch = [good, api.signal(kind="scam_sms", attributes={}), stored,
             {**stored, "kind": "scam_sms", "attributes": {"sender": "x"}}, good, "nonsense"]
    response = api.post("root", "/v1/signals", {"signals": batch})
    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["accepted"] == [{"index": 0, "id": good["id"], "duplicate": False},
                                  {"index": 2, "id": "known", "duplicate": True},
                                  {"index": 4, "id": good["id"], "duplicate": True}]
    rejected = {r["index"]: r["error"] for r in answer["rejected"]}
    assert sorted(rejected) == [1, 3, 5]
    assert rejected[1]["code"] == "invalid_signal"
    assert rejected[1]["field"] == "attributes.sender"
    assert rejected[3]["code"] == "id_conflict"
    assert _stored(api) == 2


def test_more_than_1000_items_is_a_422_and_nothing_is_accepted(api: Api) -> None:
    batch = [api.signal(msisdn=f"+86139{i:08d}") for i in range(1001)]
    assert_error(api.post("root", "/v1/signals", {"signals": batch}), 422)
    assert _stored(api) == 0
    ok = api.client.post("/v1/signals", json={"signals": batch[:1000]}, headers=api.as_("root"))
    assert ok.status_code == 202 and len(ok.json()["accepted"]) == 1000


def test_malformed_json_is_a_400(api: Api) -> None:
    for raw in (b'{"id": "x",', b"\xff\xfe{", b"NaN", b""):
        response = api.client.post("/v1/signals", content=raw, headers=api.as_("root"))
        assert_error(response, 400, "malformed_json")


def test_json_that_is_not_an_object_is_a_422(api: Api) -> None:
    for value in ([1, 2], "text", 3, None):
        response = api.client.post("/v1/signals", content=json.dumps(value),
                                   headers=api.as_("root"))
        assert_error(response, 422)
    assert_error(api.post("root", "/v1/signals", {"signals": "all"}), 422)


def test_bodies_over_1_mib_are_a_413(api: Api) -> None:
    big = json.dumps({"signals": [api.signal(attributes={"url": "u" * 500})] * 2500}).encode()
    assert len(big) > 1 << 20
    assert_error(api.client.post("/v1/signals", content=big, headers=api.as_("root")), 413)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the length read counts
        for start in range(0, len(big), 65536):
            yield big[start:start + 65536]

    response = api.client.post("/v1/signals", content=chunks(), headers=api.as_("root"))
    assert_error(response, 413, "payload_too_large")
    assert _stored(api) == 0


def test_a_database_that_is_down_answers_503(mock_log: Path, tmp_path: Path) -> None:
    harness = Api(f"sqlite:///{tmp_path}/missing/dir/warn.db", mock_log)
    try:
        response = harness.client.post("/v1/signals", json=harness.signal(),
                                       headers={"Authorization": "Bearer whatever"})
        assert_error(response, 503, "store_unavailable")
        assert harness.client.get("/healthz").status_code == 503
    finally:
        harness.close()


class _WritesFail:
    """Sessions that read from the live database but cannot open a write transaction."""

    def __init__(self, live: sessionmaker[Session], dead: sessionmaker[Session]):
        self._live, self._dead = live, dead

    def __call__(self) -> Session:
        return self._live()

    def begin(self) -> AbstractContextManager[Session]:
        return self._dead.begin()


def test_store_failing_inside_ingest_is_a_503_with_nothing_accepted(
        api: Api, tmp_path: Path) -> None:
    dead = make_engine(f"sqlite:///{tmp_path}/missing/dir/warn.db")
    broken = replace(api.ctx, sessions=_WritesFail(api.ctx.sessions, session_factory(dead)))
    client = TestClient(create_app(lambda: broken, hand_off=api.runtime.hand_off))
    response = client.post("/v1/signals", json=api.signal(), headers=api.as_("root"))
    assert_error(response, 503, "store_unavailable")
    batch = {"signals": [api.signal(), api.signal()]}
    assert_error(client.post("/v1/signals", json=batch, headers=api.as_("root")), 503)
    assert _stored(api) == 0
    dead.dispose()
