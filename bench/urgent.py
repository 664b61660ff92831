"""Urgent work behind a backlog (CONTRACT §6): bulk signals waiting, then ongoing calls one
by one, and a medium case's timer falling due meanwhile. What each urgent thing waited."""

import time
from datetime import UTC, datetime, timedelta

import httpx
import psycopg

from bench.figures import Row
from bench.gateway import first_flashes, percentile
from bench.load import flood
from bench.stack import BenchStack

CALLS = 20
CALL_GAP_S = 0.25


def behind_backlog(stack: BenchStack, token: str, quick: bool) -> list[Row]:
    bulk = 10_000 if quick else 30_000
    medium = _medium_case(stack, token)
    flood(stack.base_url, token, total=bulk, batch=1000, clients=4, prefix="backlog")
    waiting = _unprocessed(stack)
    due = _timer_due_now(stack, medium, in_s=2.0)
    answered = _calls(stack, token)
    waiting_after = _unprocessed(stack)
    deadline = time.monotonic() + 60
    flashes: dict[str, float] = {}
    while time.monotonic() < deadline and len(flashes) < len(answered):
        time.sleep(0.2)
        flashes = {m: t for m, t in first_flashes(stack.gateway_log).items() if m in answered}
    waits = [(flashes[m] - at) * 1000 for m, at in answered.items() if m in flashes]
    moved = _paged_at(stack, medium, timeout_s=60)
    note = (f"{bulk:,} bulk signals posted in batches of 1,000; {waiting:,} waiting when "
            f"the calls came, {waiting_after:,} after the last; {len(answered) - len(waits)} "
            "calls without a flash")
    return [
        Row("urgent behind a backlog: ongoing call 202 → flash SMS, p50",
            percentile(waits, 0.5), "ms", note=note),
        Row("urgent behind a backlog: ongoing call 202 → flash SMS, p99",
            percentile(waits, 0.99), "ms", note="target < 1,000 ms (2,000 ms at most)"),
        Row("urgent behind a backlog: ongoing call 202 → flash SMS, max",
            max(waits, default=float("nan")), "ms"),
        Row("urgent behind a backlog: medium timer due → ladder moved",
            (moved - due) * 1000 if moved else float("nan"), "ms",
            note="target < 1,000 ms; its next stage's duty page made"),
    ]


def _medium_case(stack: BenchStack, token: str) -> str:
    """A medium case whose first stage is running: its next stage pages the officers."""
    msisdn = "+8613577700001"
    signal = {"id": "urgent-medium-1", "kind": "scam_site_visit",
              "observed_at": datetime.now(UTC).isoformat(),
              "subject": {"msisdn": msisdn}, "attributes": {"url": "http://scam.example/x"}}
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.post(f"{stack.base_url}/v1/signals", json=signal, headers=headers,
                      timeout=30).status_code == 202
    for _ in range(300):
        with psycopg.connect(stack.database_url) as db:
            row = db.execute("SELECT id FROM cases WHERE msisdn = %s", (msisdn,)).fetchone()
        if row:
            return str(row[0])
        time.sleep(0.1)
    raise RuntimeError("the medium case never opened")


def _timer_due_now(stack: BenchStack, case_id: str, in_s: float) -> float:
    """Bring the case's pending timer (the first stage's 10 minutes) forward to `in_s`
    from now, as if those minutes had passed; returns when it is due."""
    due = datetime.now(UTC) + timedelta(seconds=in_s)
    with psycopg.connect(stack.database_url) as db:
        db.execute("UPDATE timers SET due_at = %s WHERE case_id = %s AND status = 'pending'",
                   (due, case_id))
        # The stage's own deadline moves with it, or the fired timer finds nothing due.
        db.execute("UPDATE cases SET aggregate = jsonb_set(aggregate::jsonb, "
                   "'{stages,0,wait_due}', to_jsonb(%s::text))::json WHERE id = %s",
                   (due.isoformat(), case_id))
    return due.timestamp()


def _calls(stack: BenchStack, token: str) -> dict[str, float]:
    answered: dict[str, float] = {}
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=stack.base_url, headers=headers, timeout=30) as client:
        for n in range(CALLS):
            msisdn = f"+86136{n:08d}"
            call = {"id": f"urgent-call-{n}", "kind": "flagged_call",
                    "observed_at": datetime.now(UTC).isoformat(),
                    "subject": {"msisdn": msisdn},
                    "attributes": {"caller": "+85212345678", "duration_s": 900,
                                   "ongoing": True}}
            if client.post("/v1/signals", json=call).status_code == 202:
                answered[msisdn] = time.time()
            time.sleep(CALL_GAP_S)
    return answered


def _paged_at(stack: BenchStack, case_id: str, timeout_s: float) -> float | None:
    """When the case's next stage made its duty page. The page is counted when the ladder
    made it, not when it reached the officer's device: pages to one officer are grouped,
    at most one message a minute (WARN_PAGE_EVERY), and the calls before it paged the
    same officers."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with psycopg.connect(stack.database_url) as db:
            row = db.execute("SELECT min(created_at) FROM deliveries WHERE case_id = %s "
                             "AND channel = 'duty_page'", (case_id,)).fetchone()
        if row and row[0] is not None:
            return float(row[0].timestamp())
        time.sleep(0.2)
    return None


def _unprocessed(stack: BenchStack) -> int:
    with psycopg.connect(stack.database_url) as db:
        row = db.execute("SELECT count(*) FROM signals WHERE state = 'received'").fetchone()
    return int(row[0]) if row else 0
