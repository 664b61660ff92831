"""The measured figures: ingest, end to end, latency, soak. Each returns table rows."""

import time
from dataclasses import dataclass

import httpx
import psycopg

from bench import cpu
from bench.gateway import count_lines, first_flashes, percentile
from bench.load import drive, flood
from bench.stack import BenchStack, rss_mb


@dataclass
class Row:
    figure: str
    value: float
    unit: str
    note: str = ""


def wait_drained(stack: BenchStack, expected: int, timeout_s: float = 120) -> float:
    """Seconds until the gateway holds `expected` records (raises if it never does)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if count_lines(stack.gateway_log) >= expected:
            return time.monotonic() - start
        time.sleep(0.05)
    raise RuntimeError(f"gateway has {count_lines(stack.gateway_log)} of {expected} records")


def settle(stack: BenchStack, timeout_s: float = 300) -> float:
    """Wait until nothing is left to process or send, so that one figure's backlog does not
    weigh on the next, and give the planner statistics of the tables as they now are;
    returns the seconds waited.

    A benchmark's database grows from nothing to a hundred thousand rows in a minute, far
    faster than autovacuum analyses it: planned on the statistics of an empty table,
    PostgreSQL reads whole tables where an index answers, and every figure would measure
    that instead. A database in service has statistics."""
    start = time.monotonic()
    while _backlog(stack) and time.monotonic() - start < timeout_s:
        time.sleep(0.5)
    analyse(stack)
    return time.monotonic() - start


def analyse(stack: BenchStack) -> None:
    with psycopg.connect(stack.database_url, autocommit=True) as db:
        db.execute("ANALYZE")


def ingest(stack: BenchStack, token: str, quick: bool) -> list[Row]:
    done = count_lines(stack.gateway_log)
    batches = flood(stack.base_url, token, total=10_000 if quick else 40_000, batch=1000,
                    clients=4, prefix="batch")
    wait_drained(stack, done + len(batches.accepted_at))
    return [Row("ingest, batches of 1,000 (4 clients)", batches.rate, "signals/s",
                note=f"{batches.errors} errors")]


BURST_FIGURE = "end to end, burst in batches of 100 (4 clients)"
CPU_FIGURE = "CPU per signal, all processes (burst)"


def burst(stack: BenchStack, token: str, quick: bool) -> list[Row]:
    """20,000 signals posted as fast as warn takes them, in POSTs of 100 (as the peer is
    driven), each to its first flash SMS; the CPU they cost, by process and by phase."""
    total = 5_000 if quick else 20_000
    before_lines, before = count_lines(stack.gateway_log), cpu.snapshot(stack)
    load = flood(stack.base_url, token, total=total, batch=100, clients=4, prefix="burst")
    wait_drained(stack, before_lines + len(load.accepted_at), timeout_s=300)
    spent = cpu.snapshot(stack).minus(before)
    waits, warned_rate = load.reached(first_flashes(stack.gateway_log))
    carried = max(1, len(waits))
    rows = [Row("ingest, burst in batches of 100 (4 clients)", load.rate, "signals/s",
                note=f"{load.errors} errors"),
            Row(BURST_FIGURE, warned_rate, "signals/s",
                note=f"{len(waits):,} of {total:,} warned"),
            Row("202 → flash SMS p99, burst in batches of 100", percentile(waits, 0.99), "ms"),
            Row(CPU_FIGURE, sum(spent.seconds.values()) / carried * 1e6, "µs",
                note="servers, workers, scheduler, PostgreSQL, Redis; from /proc")]
    for process, seconds in spent.seconds.items():
        rows.append(Row(f"  CPU per signal: {process}", seconds / carried * 1e6, "µs",
                        note=f"{seconds / max(1e-9, sum(spent.seconds.values())):.0%}"))
    for key, seconds in sorted(spent.phases.items()):
        rows.append(Row(f"    phase {key}", seconds / carried * 1e6, "µs"))
    for process in ("serve", "worker"):
        inside = sum(s for k, s in spent.phases.items() if k.startswith(f"{process}/"))
        rest = spent.seconds.get(process, 0.0) - inside
        rows.append(Row(f"    phase {process}/(outside every phase)", rest / carried * 1e6,
                        "µs", note="HTTP, Celery, commits, logging"))
    return rows


def singles(stack: BenchStack, token: str, quick: bool) -> list[Row]:
    """Signals one per POST as fast as warn takes them, each to its first flash SMS."""
    total = 1_000 if quick else 4_000
    before_lines = count_lines(stack.gateway_log)
    load = flood(stack.base_url, token, total=total, batch=1, clients=64, prefix="single")
    wait_drained(stack, before_lines + len(load.accepted_at), timeout_s=300)
    waits, warned_rate = load.reached(first_flashes(stack.gateway_log))
    return [Row("ingest, single POSTs (64 clients)", load.rate, "signals/s",
                note=f"{load.errors} errors"),
            Row("end to end, single POSTs (64 clients)", warned_rate, "signals/s",
                note=f"{len(waits):,} of {total:,} warned"),
            Row("202 → flash SMS p99, single POSTs (64 clients)", percentile(waits, 0.99),
                "ms")]


def sustained(stack: BenchStack, token: str, quick: bool) -> list[Row]:
    """The highest offered rate whose flash SMS all reach the gateway within 3 s of the
    load's end: above it a backlog grows."""
    best, best_note = 0.0, "none"
    seconds = 8 if quick else 15
    for rate in (1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000):
        analyse(stack)  # each rate adds tens of thousands of rows
        before = count_lines(stack.gateway_log)
        load = drive(stack.base_url, token, rate=rate, seconds=seconds, batch=500,
                     prefix=f"sus{rate}", clients=8)
        ended = time.monotonic()
        try:
            wait_drained(stack, before + len(load.accepted_at), timeout_s=60)
        except RuntimeError:
            break
        lag = time.monotonic() - ended
        if load.rate < rate * 0.95 or lag > 3.0:
            best_note += f"; at {rate}/s: offered {load.rate:.0f}/s, lag {lag:.1f}s"
            break
        best, best_note = load.rate, f"lag after load {lag:.1f}s"
    return [Row("end to end, sustained (batch ingest)", best, "signals/s", note=best_note)]


def latency(stack: BenchStack, token: str, quick: bool, rate: float = 500) -> list[Row]:
    load = drive(stack.base_url, token, rate=rate, seconds=10, batch=1,
                 prefix=f"lat{rate:.0f}", clients=64)
    time.sleep(3)
    flashes = first_flashes(stack.gateway_log)
    waits = [(flashes[m] - at) * 1000 for m, at in load.accepted_at.items() if m in flashes]
    lost = len(load.accepted_at) - len(waits)
    note = f"offered {load.rate:.0f}/s single POSTs, {lost} without a flash"
    return [Row(f"202 → flash SMS at {rate:.0f}/s, p50", percentile(waits, 0.5), "ms",
                note=note),
            Row(f"202 → flash SMS at {rate:.0f}/s, p99", percentile(waits, 0.99), "ms"),
            Row(f"202 → flash SMS at {rate:.0f}/s, max", max(waits, default=float("nan")),
                "ms")]


def soak(stack: BenchStack, token: str, minutes: float, rate: float = 300) -> list[Row]:
    """A steady rate for `minutes` (batches of 50, so that the run keeps its length): memory
    of the server and workers, and the backlog."""
    servers, workers = stack.pids("serve"), stack.pids("worker")
    start_rss = (rss_mb(servers), rss_mb(workers))
    backlog = []
    rounds = max(1, int(minutes * 2))
    for n in range(rounds):
        drive(stack.base_url, token, rate=rate, seconds=minutes * 60 / rounds, batch=50,
              prefix=f"soak{n}", clients=8)
        backlog.append(_backlog(stack))
    end_rss = (rss_mb(servers), rss_mb(workers))
    grew = backlog[-1] > max(backlog[0], rate)  # more than a second's worth, and rising
    return [Row("soak: server RSS growth", _growth(start_rss[0], end_rss[0]), "%",
                note=f"{start_rss[0]:.0f} → {end_rss[0]:.0f} MB"),
            Row("soak: workers RSS growth", _growth(start_rss[1], end_rss[1]), "%",
                note=f"{start_rss[1]:.0f} → {end_rss[1]:.0f} MB"),
            Row("soak: backlog at the end", backlog[-1], "items",
                note=f"{minutes:g} min at {rate:.0f}/s; samples {backlog}; "
                     + ("GREW" if grew else "flat"))]


def _growth(before: float, after: float) -> float:
    return (after - before) / before * 100 if before else float("nan")


def _backlog(stack: BenchStack) -> int:
    with psycopg.connect(stack.database_url) as db:
        signals = db.execute("SELECT count(*) FROM signals WHERE state = 'received'").fetchone()
        queued = db.execute("SELECT count(*) FROM deliveries WHERE state = 'queued'").fetchone()
    return int(signals[0] if signals else 0) + int(queued[0] if queued else 0)


def page_latency(stack: BenchStack, token: str, case_id: str, rounds: int = 50
                 ) -> tuple[float, float]:
    """Median ms of the officer queue (open cases, first page) and of one case lookup."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=stack.base_url, headers=headers, timeout=30) as client:
        def timed(path: str) -> float:
            samples = []
            for _ in range(rounds):
                start = time.perf_counter()
                assert client.get(path).status_code == 200
                samples.append((time.perf_counter() - start) * 1000)
            return percentile(samples, 0.5)

        return timed("/v1/cases?state=open&limit=50"), timed(f"/v1/cases/{case_id}")
