"""A distributed warn (serve, workers, schedulers as OS processes) on the throwaway servers,
load to drive through it, and the tally of what the mock gateways accepted.

Every process is started in a session of its own, so that `kill` takes a worker together
with its pool's children, as when its machine or container dies.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.stack import WARN, eventually, free_port
from warn.policy_file import load_policy
from warn.service.context import Context
from warn.service.registration import add_school, add_team, add_user
from warn.store.db import make_engine, session_factory, upgrade

NAME = "王某某"  # every subject's name: it must never reach a log line
SERVER_LOGS = ("postgres.log", "redis.log")  # the servers' own logs, not warn's


@dataclass(frozen=True)
class Tally:
    """What the gateways' own record says about the signals a scenario sent."""

    sent: int
    warned: int
    duplicated: int

    @property
    def lost(self) -> int:
        return self.sent - self.warned


@dataclass
class FaultStack:
    folder: Path
    env: dict[str, str]
    database_url: str
    port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)  # signal id -> msisdn
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- processes ----------------------------------------------------------------------

    def start(self, name: str, *args: str) -> None:
        log = (self.folder / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen([*WARN, *args], env=self.env, stdout=log,
                                                stderr=subprocess.STDOUT, cwd=self.folder,
                                                start_new_session=True)

    def start_serve(self) -> None:
        self.start("serve", "serve", "--port", str(self.port))
        eventually(self._healthy, 30, "warn serve to answer /healthz")

    def start_worker(self, name: str, concurrency: int = 2) -> None:
        self.start(name, "worker", "--concurrency", str(concurrency))

    def kill(self, name: str) -> None:
        """kill -9 the process and its children."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def alive(self) -> dict[str, int]:
        return {name: p.pid for name, p in self.processes.items() if p.poll() is None}

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()  # the main process only: a worker stops its own pool
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()

    def _healthy(self) -> bool:
        for name, process in self.processes.items():
            assert process.poll() is None, f"{name} exited:\n{self.log(name)[-3000:]}"
        try:
            return httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- directory and clients ----------------------------------------------------------

    def directory(self, officers: int = 1) -> None:
        """A school, a team, an admin and `officers` wanzhou officers, registered in-process."""
        upgrade(self.database_url)
        engine = make_engine(self.database_url)
        ctx = Context(engine=engine, sessions=session_factory(engine),
                      policy=load_policy(self.env["WARN_POLICY"]), gateways={})
        add_school(ctx, "sanxia-med", "重庆三峡医药高等专科学校", "wanzhou")
        add_team(ctx, "wz-team-1", "wanzhou")
        self.tokens["root"] = add_user(ctx, "root", "admin")
        for n in range(officers):
            add_user(ctx, f"officer-{n}", "officer", district="wanzhou")
        engine.dispose()

    def client(self, who: str = "root", timeout: float = 60) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=timeout,
                            headers={"Authorization": f"Bearer {self.tokens[who]}"})

    # --- load ---------------------------------------------------------------------------

    def signals(self, prefix: str, count: int, kind: str = "scam_site_visit",
                **subject: str) -> list[dict[str, Any]]:
        """`count` signals, each about a number of its own (so each opens its own case)."""
        made = []
        for n in range(count):
            msisdn = f"+86139{_digits(prefix)}{n:05d}"
            signal_id = f"{prefix}-{n}"
            self.numbers[signal_id] = msisdn
            made.append({"id": signal_id, "kind": kind,
                         "observed_at": datetime.now(UTC).isoformat(),
                         "subject": {"msisdn": msisdn, "name": NAME, "district": "wanzhou",
                                     **subject},
                         "attributes": ATTRIBUTES[kind]})
        return made

    def post(self, client: httpx.Client, signals: list[dict[str, Any]],
             batch: int = 100) -> list[httpx.Response]:
        answers = []
        for start in range(0, len(signals), batch):
            answer = client.post("/v1/signals", json={"signals": signals[start:start + batch]})
            answers.append(answer)
        return answers

    # --- the gateways' record -----------------------------------------------------------

    def gateway_log(self) -> list[dict[str, Any]]:
        path = Path(self.env["WARN_MOCK_LOG"])
        if not path.exists():
            return []
        data = path.read_bytes()
        # A gateway may be writing its last line right now: read complete lines only.
        complete = data[: data.rfind(b"\n") + 1]
        return [json.loads(line) for line in complete.splitlines() if line.strip()]

    def tally(self) -> Tally:
        """Signals with a first warning (a message to their number), and messages sent more
        than once: a delivery id accepted twice, or a second flash SMS to one number (every
        scenario is shorter than the flash cooldown)."""
        lines = self.gateway_log()
        reached = {line["recipient"] for line in lines}
        warned = sum(1 for msisdn in self.numbers.values() if msisdn in reached)
        by_id = Counter(line["delivery_id"] for line in lines)
        flashes = Counter(line["recipient"] for line in lines if line["channel"] == "flash_sms")
        duplicated = (sum(n - 1 for n in by_id.values())
                      + sum(n - 1 for n in flashes.values()))
        return Tally(sent=len(self.numbers), warned=warned, duplicated=duplicated)

    def wait_all_warned(self, timeout_s: float) -> Tally:
        def done() -> bool:
            return self.tally().lost == 0

        # On a timeout the caller still records the tally, then asserts on it.
        with contextlib.suppress(AssertionError):
            eventually(done, timeout_s, "every signal's first warning")
        return self.tally()

    def pii_in_logs(self) -> list[str]:
        """Lines of warn's own process logs that carry a subject's number or name."""
        patterns = [re.escape(NAME)] + [re.escape(m.lstrip("+")) for m in self.numbers.values()]
        found = re.compile("|".join(patterns)) if self.numbers else re.compile(re.escape(NAME))
        hits = []
        for path in sorted(self.folder.glob("*.log")):
            if path.name in SERVER_LOGS:
                continue
            for line in path.read_text(errors="replace").splitlines():
                if found.search(line):
                    hits.append(f"{path.name}: {line[:300]}")
        return hits


ATTRIBUTES: dict[str, dict[str, Any]] = {
    "scam_site_visit": {"url": "hxxp://pay-safe[.]cn"},
    "scam_sms": {"sender": "1069000"},
    "flagged_call": {"caller": "+85212345678", "duration_s": 3600, "ongoing": True},
    "fraud_app_install": {"app": "远程协助"},
    "transfer_attempt": {"account": "6222000011112222", "amount_cny": 60000},
}


def _digits(prefix: str) -> str:
    """Three digits of the prefix's own, so that two scenarios never share a number."""
    return f"{sum(ord(c) * (i + 1) for i, c in enumerate(prefix)) % 1000:03d}"


def count_rows(database_url: str, sql: str) -> dict[str, int]:
    """`sql` selects (key, count) pairs; read straight from the scenario's database."""
    from sqlalchemy import text

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return {str(key): int(n) for key, n in conn.execute(text(sql))}
    finally:
        engine.dispose()


def one_value(database_url: str, sql: str) -> float:
    """The single number `sql` selects, read straight from the scenario's database."""
    from sqlalchemy import text

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return float(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()
