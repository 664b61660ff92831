"""The `warn` command line, run as a real process on a SQLite database of its own."""

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from warn.app import create_app
from warn.config import settings_from_env
from warn.service.context import context_from_settings
from warn.service.tokens import TokenCache


def warn(folder: Path, *args: str, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("WARN_")}
    base["WARN_DATABASE_URL"] = f"sqlite:///{folder / 'warn.db'}"
    return subprocess.run([sys.executable, "-m", "warn", *args], env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=120, cwd=folder, check=False)


def test_demo_prints_the_three_seed_cases(tmp_path: Path) -> None:
    done = warn(tmp_path, "demo")
    assert done.returncode == 0, done.stderr
    for title in ("万州", "涪陵", "转账"):
        assert title in done.stdout
    assert done.stdout.count("已结案（劝阻成功）") == 2
    assert "阶梯用尽" in done.stdout and "确认超时" in done.stdout


# What the demo's scenarios name: its users, teams and signals, and the case ids (hex).
DEMO_IDS = re.compile(r"^(?:[0-9a-f]{16}(?:-\d+)?|cui|yang|li|96110-desk|sanxia-security|"
                      r"fuling-team-1|carrier|city-centre-20260223-0412|carrier-7-000123|"
                      r"bank-3-88812)$")


def test_the_demo_timeline_reads_in_chinese(tmp_path: Path) -> None:
    done = warn(tmp_path, "demo", env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("│ +")]
    assert len(rows) > 20
    english = [token for row in rows for token in re.findall(r"[A-Za-z0-9][\w\-]*", row)
               if re.search(r"[A-Za-z]{3,}", token) and not DEMO_IDS.match(token)]
    assert english == []


def test_user_add_prints_the_token_last_and_disable_revokes_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert warn(tmp_path, "district", "add", "wanzhou", "--name", "万州区").returncode == 0
    added = warn(tmp_path, "user", "add", "cui", "--role", "officer", "--district", "wanzhou")
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]
    monkeypatch.setenv("WARN_DATABASE_URL", f"sqlite:///{tmp_path / 'warn.db'}")
    monkeypatch.delenv("WARN_BROKER_URL", raising=False)
    ctx = context_from_settings(settings_from_env())
    clock = [1000.0]
    tokens = TokenCache(clock=lambda: clock[0])
    try:
        client = TestClient(create_app(lambda: ctx, tokens=tokens, hand_off=lambda _: None))
        auth = {"Authorization": f"Bearer {token}"}
        assert client.get("/v1/cases", headers=auth).status_code == 200
        assert warn(tmp_path, "user", "disable", "cui").returncode == 0
        # Disabled from another process: this server goes on trusting the token it checked
        # until its trust runs out, and refuses it from then on.
        assert client.get("/v1/cases", headers=auth).status_code == 200
        clock[0] += tokens.trust_s
        assert client.get("/v1/cases", headers=auth).status_code == 401
    finally:
        ctx.engine.dispose()


@pytest.mark.parametrize(("args", "message"), [
    (("user", "add", "x", "--role", "boss"), "role must be one of"),
    (("user", "add", "x", "--role", "liaison"), "a liaison needs --school"),
    (("user", "add", "x", "--role", "liaison", "--school", "nowhere"), "not registered"),
    (("team", "add", "t1", "--district", "d", "--capacity", "0"), "capacity must be"),
    (("user", "disable", "nobody"), "no user named"),
    (("user", "add", "x", "--role", "officer", "--district", "wanzhuo"), "not registered"),
    (("district", "add", "has space", "--name", "x"), "without spaces"),
    (("school", "add", "s/1", "--name", "x", "--district", "d"), "without spaces, slashes"),
])
def test_bad_registrations_are_refused_with_a_clear_message(
        tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    done = warn(tmp_path, *args)
    assert done.returncode == 2 and message in done.stderr


def test_a_policy_that_does_not_validate_is_refused_naming_the_line(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    text = (Path(__file__).parents[2] / "warn" / "default_policy.yaml").read_text()
    policy.write_text(text.replace("wait: 30m, ack: 5m", "wait: 30 minutes, ack: 5m"))
    done = warn(tmp_path, "serve", env={"WARN_POLICY": str(policy)})
    assert done.returncode == 2
    assert "policy.yaml line 21" in done.stderr and "ladders.medium[1].wait" in done.stderr


def test_ingest_loads_good_lines_and_names_the_bad_ones(tmp_path: Path) -> None:
    now = datetime.now(UTC).isoformat()
    good = [{"id": f"s{n}", "kind": "scam_sms", "observed_at": now,
             "subject": {"msisdn": f"+861380000{n:04d}"}, "attributes": {"sender": "106"}}
            for n in range(2500)]
    lines = [json.dumps(item) for item in good]
    lines[10] = "{not json"
    lines[20] = json.dumps({**good[20], "kind": "rumour"})
    # A number of 5,000 digits: Python's own JSON reading gives up on it altogether.
    lines[30] = lines[30].replace('"sender": "106"', '"sender": "106", "n": ' + "9" * 5000)
    lines.append(json.dumps(good[0]))  # a duplicate
    source = tmp_path / "signals.ndjson"
    source.write_text("\n".join(lines) + "\n")
    done = warn(tmp_path, "ingest", str(source))
    assert done.returncode == 1
    assert "2497 accepted, 1 duplicates, 3 rejected" in done.stdout
    assert "line 11: not valid JSON" in done.stderr and "line 21: kind must be" in done.stderr
    assert "line 31: " in done.stderr


def test_districts_are_registered_once_whatever_their_spelling_and_listed(
        tmp_path: Path) -> None:
    assert warn(tmp_path, "district", "add", "Wanzhou ", "--name", "万州区").returncode == 0
    school = warn(tmp_path, "school", "add", "sanxia-med", "--name", "三峡医专",
                  "--district", "ＷＡＮＺＨＯＵ")
    assert school.returncode == 0 and "district wanzhou" in school.stdout
    assert warn(tmp_path, "team", "add", "fl-1", "--district", "fuling").returncode == 0
    typo = warn(tmp_path, "user", "add", "cui", "--role", "officer", "--district", "wanzhuo")
    assert typo.returncode == 2 and "did you mean 'wanzhou'" in typo.stderr
    assert warn(tmp_path, "user", "add", "cui", "--role", "officer",
                "--district", "WanZhou").returncode == 0
    districts = warn(tmp_path, "district", "list")
    assert districts.returncode == 0
    rows = [line for line in districts.stdout.splitlines() if "wanzhou" in line or
            "fuling" in line]
    assert len(rows) == 2 and "万州区" in rows[1] + rows[0]  # a team registered fuling
    users = warn(tmp_path, "user", "list")
    assert "cui" in users.stdout and "wanzhou" in users.stdout and "officer" in users.stdout
    listed = warn(tmp_path, "school", "list").stdout + warn(tmp_path, "team", "list").stdout
    assert "sanxia-med" in listed and "fl-1" in listed
    assert "token" not in users.stdout.lower() and "hash" not in users.stdout.lower()
