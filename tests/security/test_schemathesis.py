"""schemathesis against the running embedded `warn serve`'s own OpenAPI: generated valid and
invalid requests to every operation, as an admin; no answer may be a 5xx or break the
schema the server publishes for it."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tests.e2e.stack import Stack, eventually, stack_env

pytestmark = pytest.mark.e2e
EXAMPLES = 30  # per operation: enough to walk every field, bounded for CI


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str]]:
    folder: Path = tmp_path_factory.mktemp("schemathesis")
    stack = Stack(stack_env(folder, f"sqlite:///{folder / 'warn.db'}", None), folder)
    stack.cli("school", "add", "sanxia-med", "--name", "三峡医专", "--district", "wanzhou")
    stack.cli("team", "add", "wz-team-1", "--district", "wanzhou")
    token = stack.cli("user", "add", "root", "--role", "admin").strip().splitlines()[-1]
    stack.start("serve", "serve", "--port", str(stack.port))
    try:
        stack.wait_healthy()
        yield stack, _seed(stack, token)
    finally:
        stack.stop()
    errors = [line for line in stack.logs("serve").splitlines() if "Traceback" in line]
    assert not errors, stack.logs("serve")


def _seed(stack: Stack, token: str) -> str:
    """A few real cases, so that reads and actions meet data as well as 404s."""
    client = stack.user("seed-feed", "feed")
    for n, kind in enumerate(("scam_site_visit", "flagged_call", "scam_sms")):
        attributes: dict[str, Any] = {"scam_site_visit": {"url": "hxxp://a[.]cn"},
                                      "flagged_call": {"caller": "+852123", "duration_s": 3600},
                                      "scam_sms": {"sender": "106"}}[kind]
        answer = client.post("/v1/signals", json={
            "id": f"seed-{n}", "kind": kind, "observed_at": datetime.now(UTC).isoformat(),
            "subject": {"msisdn": f"+861380000000{n}", "district": "wanzhou",
                        "school": "sanxia-med"}, "attributes": attributes})
        assert answer.status_code == 202, answer.text
    eventually(lambda: client.get("/v1/signals/seed-2").json()["case_id"])
    return token


def _real_ids(stack: Stack, token: str) -> dict[str, str]:
    """Ids of a real signal, case and delivery, for requests bound to existing things."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=stack.base_url, headers=headers) as admin:
        case_id = admin.get("/v1/signals/seed-1").json()["case_id"]
        delivery_id = admin.get("/v1/deliveries", params={"case_id": case_id}).json()[
            "items"][0]["id"]
    return {"signal_id": "seed-1", "case_id": case_id, "delivery_id": delivery_id}


def _bound(operation: Any, ids: dict[str, str]) -> dict[str, Any]:
    """as_strategy() arguments that pin the operation's ids to real ones."""
    names = set(re.findall(r"{(\w+)", operation.path))
    found = {name: ids[name] for name in names if name in ids}
    if operation.path == "/v1/deliveries":
        return {"query": {"case_id": ids["case_id"]}}
    return {"path_parameters": found} if found else {}


MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


def test_no_5xx_and_every_answer_matches_the_published_schema(
        served: tuple[Stack, str]) -> None:
    """Every operation, valid and invalid requests. (schemathesis' own pytest loader does
    not run on pytest 9 yet, so each operation's strategy is driven by hypothesis here.)"""
    stack, token = served
    schema = schemathesis.openapi.from_url(f"{stack.base_url}/openapi.json")
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    ids = _real_ids(stack, token)
    for operation in operations:
        passes = [{"generation_mode": mode} for mode in MODES]
        if _bound(operation, ids):
            passes.append({"generation_mode": GenerationMode.POSITIVE, **_bound(operation, ids)})
        for arguments in passes:
            mode = arguments["generation_mode"]
            try:
                _exercise(operation.as_strategy(**arguments), stack, token)
            except Unsatisfiable:
                continue  # no invalid request exists (an operation without parameters)
            except Exception as failure:  # collected, so that one run reports them all
                bound = " on real ids" if len(arguments) > 1 else ""
                failures[f"{operation.label} ({mode.value}{bound})"] = str(failure)[:2000]
    assert not failures, "\n\n".join(f"{label}: {text}" for label, text in failures.items())


def _exercise(strategy: Any, stack: Stack, token: str) -> None:
    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        case.call_and_validate(base_url=stack.base_url,
                               headers={"Authorization": f"Bearer {token}"},
                               checks=[not_a_server_error, response_schema_conformance])

    run()
