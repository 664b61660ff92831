"""Everything a school liaison can read or receive — the JSON API, the console's pages and
the school group message as the gateway recorded it — holds the subject's number in no
spelling (CONTRACT §2), whoever wrote it and however they wrote it."""

from __future__ import annotations

import html
import json
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from api_harness import Api
from api_harness import api as api
from console_harness import PASSWORD, Person

from warn.console.accounts import set_password

NUMBER = "+8613987654321"
NATIONAL = "13987654321"
# The ways people write it in notes and reasons, and feeds in their fields.
SPELLINGS = ["13987654321", "+86 139 8765 4321", "１３９８７６５４３２１", "139.8765.4321",
             "139\u200b8765\u200b4321", "(139)8765-4321", "139  8765  4321", "139/8765/4321",
             "0086-139-8765-4321", "86 13987654321", "（139）87654321"]


def _digit_runs(text: str) -> str:
    """The text's digits with everything between them taken out, after undoing HTML
    entities and full-width forms: a number in any spelling reads as its digits here."""
    plain = unicodedata.normalize("NFKC", html.unescape(text))
    return re.sub(r"[^0-9]", "", plain)


def _leaks(text: str) -> list[str]:
    digits = _digit_runs(text)
    # The whole national number, or the hidden middle beside either visible end.
    return [part for part in (NATIONAL, "1398765", "87654321") if part in digits]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


@pytest.fixture
def case_id(api: Api) -> str:
    api.school("sanxia-med", "wanzhou")
    api.team("wz-1", "wanzhou")
    api.user("off", "officer", district="wanzhou")
    api.user("li", "liaison", school="sanxia-med")
    set_password(api.ctx, "li", PASSWORD)
    spelled = iter(SPELLINGS)
    body = api.signal("flagged_call", msisdn=NUMBER, school="sanxia-med",
                      student_no="2024-0007", name="学生戊", district="wanzhou",
                      location=f"万州区北滨路，机主 {next(spelled)}",
                      attributes={"caller": "+85212345678", "duration_s": 3600,
                                  "ongoing": True, "callback": next(spelled),
                                  "fraud_type": "impersonating_police"})
    assert api.post("root", "/v1/signals", body).status_code == 202
    case = str(api.get("root", f"/v1/signals/{body['id']}").json()["case_id"])
    sms = api.signal("scam_sms", msisdn=NUMBER, attributes={"sender": next(spelled)})
    assert api.post("root", "/v1/signals", sms).status_code == 202
    callback = api.delivery(case, "callback_96110")["id"]
    school = api.delivery(case, "school_group")["id"]
    for delivery, result in ((callback, "no_answer"), (school, "acknowledged")):
        answer = api.post("off", f"/v1/deliveries/{delivery}/result",
                          {"result": result, "note": f"回拨 {next(spelled)} 无人接"})
        assert answer.status_code == 200, answer.text
    answer = api.post("off", f"/v1/cases/{case}/escalate",
                      {"reason": f"机主 {next(spelled)} 仍在通话"})
    assert answer.status_code == 200, answer.text
    answer = api.post("off", f"/v1/cases/{case}/decline",
                      {"stage": 1, "reason": f"已电话 {next(spelled)} 联系"})
    assert answer.status_code == 200, answer.text
    return case


def test_the_liaison_finds_the_number_nowhere(api: Api, mock_log: Path, case_id: str) -> None:
    liaison = Person(api, "li")
    assert liaison.sign_in().status_code == 303
    school = api.delivery(case_id, "school_group")["id"]
    posted = api.post("li", f"/v1/deliveries/{school}/result",
                      {"result": "acknowledged", "note": f"家长电话 {SPELLINGS[-1]}"})
    assert posted.status_code == 200, posted.text
    api.post("off", f"/v1/cases/{case_id}/outcome",
             {"outcome": "dissuaded", "note": f"已劝阻，机主 {SPELLINGS[-2]}"})

    read: dict[str, str] = {"POST result": posted.text}
    for path, params in (("/v1/cases", {}), (f"/v1/cases/{case_id}", {}),
                         ("/v1/deliveries", {"case_id": case_id}),
                         ("/v1/cases", {"state": "resolved"})):
        response = api.get("li", path, **params)
        assert response.status_code == 200, response.text
        read[f"GET {path}"] = "\n".join(_strings(response.json()))
    for path in ("/school", "/school.json", f"/cases/{case_id}",
                 f"/cases/{case_id}/state.json"):
        page = liaison.client.get(path, follow_redirects=True)
        assert page.status_code in (200, 403, 404), (path, page.status_code)
        read[f"console {path}"] = page.text
    sent = [json.loads(line) for line in mock_log.read_text().splitlines()]
    to_school = [line for line in sent if line["channel"] == "school_group"]
    assert to_school, "the school group got no message"
    read["school group message"] = "\n".join(line["body"] + line["recipient"]
                                            for line in to_school)

    assert "学生戊" in read[f"GET /v1/cases/{case_id}"]  # the case is really there
    assert "139****4321" in read["school group message"]
    leaks = {where: _leaks(text) for where, text in read.items() if _leaks(text)}
    assert not leaks, leaks
    # The officers' own reads still show the number: masking is for the liaison.
    assert NATIONAL in _digit_runs(api.get("off", f"/v1/cases/{case_id}").text)
