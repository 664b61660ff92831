"""Operations endpoints: /healthz, /metrics, /openapi.json."""

from __future__ import annotations

from pathlib import Path

from api_harness import Api
from api_harness import api as api  # the fixture
from prometheus_client.parser import text_string_to_metric_families


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_healthz_needs_no_token(api: Api) -> None:
    response = api.client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_is_gone(mock_log: Path, tmp_path: Path) -> None:
    harness = Api(f"sqlite:///{tmp_path}/gone/warn.db", mock_log)
    try:
        assert harness.client.get("/healthz").status_code == 503
        metrics = _samples(harness.client.get("/metrics").text)
        assert metrics[("warn_store_up", ())] == 0
    finally:
        harness.close()


def test_metrics_count_signals_requests_and_read_the_store(api: Api) -> None:
    body = api.signal("flagged_call", district="wanzhou")
    api.post("root", "/v1/signals", body)
    api.post("root", "/v1/signals", body)
    api.post("root", "/v1/signals", {"signals": [api.signal(msisdn="bad")]})
    response = api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    metrics = _samples(response.text)
    assert metrics[("warn_signals_total", (("result", "accepted"),))] == 1
    assert metrics[("warn_signals_total", (("result", "duplicate"),))] == 1
    assert metrics[("warn_signals_total", (("result", "rejected"),))] == 1
    key = ("warn_http_requests_total",
           (("method", "POST"), ("route", "/v1/signals"), ("status", "202")))
    assert metrics[key] == 3
    assert metrics[("warn_store_up", ())] == 1
    assert metrics[("warn_open_cases", (("tier", "high"),))] == 1
    assert metrics[("warn_open_cases", (("tier", "low"),))] == 0
    assert metrics[("warn_flagged_cases", (("flag", "overdue"),))] == 0
    assert metrics[("warn_deliveries_queued", ())] == 0
    assert metrics[("warn_timers_pending", ())] == 1


def test_unmatched_paths_are_counted_under_one_label(api: Api) -> None:
    for n in range(3):
        assert api.client.get(f"/no/such/{n}").status_code == 404
    metrics = _samples(api.client.get("/metrics").text)
    key = ("warn_http_requests_total",
           (("method", "GET"), ("route", "unmatched"), ("status", "404")))
    assert metrics[key] == 3


def test_openapi_describes_the_api(api: Api) -> None:
    response = api.client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    for path in ("/v1/signals", "/v1/signals/{signal_id}", "/v1/cases", "/v1/cases/{case_id}",
                 "/v1/cases/{case_id}/confirm", "/v1/cases/{case_id}/decline",
                 "/v1/cases/{case_id}/escalate", "/v1/cases/{case_id}/outcome",
                 "/v1/deliveries", "/v1/deliveries/{delivery_id}/result", "/healthz",
                 "/metrics"):
        assert path in spec["paths"], path
    body = spec["paths"]["/v1/signals"]["post"]["requestBody"]["content"]["application/json"]
    titles = [schema["title"] for schema in body["schema"]["oneOf"]]
    assert titles == ["Signal", "SignalBatch"]
    assert "bearer" in str(spec["components"]["securitySchemes"]).lower()
