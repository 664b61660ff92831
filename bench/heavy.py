"""Figures that need a large table: due timers among a million, and history size."""

import time
from datetime import UTC, datetime, timedelta

from bench.figures import Row, page_latency, wait_drained
from bench.gateway import count_lines, percentile
from bench.load import flood
from bench.stack import BenchStack
from bench.synthetic import add_timers, copy_cases, scalar


def template_case(stack: BenchStack) -> str:
    """A low case that warn really processed: the model for the copies."""
    return str(_one(stack, "SELECT id FROM cases WHERE tier = 'low' ORDER BY opened_at LIMIT 1"))


def _one(stack: BenchStack, sql: str) -> object:
    import psycopg

    with psycopg.connect(stack.database_url) as db:
        row = db.execute(sql).fetchone()
    assert row is not None, sql
    return row[0]


def timers(stack: BenchStack, pending: int, due: int, many: int = 0) -> list[Row]:
    """`due` timers falling due in the same second among `pending` in the table: how long
    until every one has fired, and how late each fired; then `many` due at once, and the
    rate they fire at."""
    template = template_case(stack)
    started = time.monotonic()
    copy_cases(stack.database_url, template, "t", due + 1, pending, state="open",
               last_signal=datetime.now(UTC).isoformat(), with_history=False)
    add_timers(stack.database_url, "t", due + 1, pending,
               (datetime.now(UTC) + timedelta(days=365)).isoformat())
    filled = time.monotonic() - started
    lateness, fired = _fire(stack, template, "t", 1, due)
    all_fired = max(lateness, default=float("nan")) / 1000
    note = f"{pending:,} pending ({filled:.0f} s to make); {fired:,} of {due:,} fired"
    rows = [Row("timers: all due fired within", all_fired, "s", note=note),
            Row("timers: lateness p50", percentile(lateness, 0.5), "ms"),
            Row("timers: lateness p99", percentile(lateness, 0.99), "ms"),
            Row("timers: lateness max", max(lateness, default=float("nan")), "ms")]
    if many:
        # numbers after the pending ones': no two open cases share a number
        lateness, fired = _fire(stack, template, "m", pending + 1, many)
        seconds = max(lateness, default=float("nan")) / 1000
        rows.append(Row(f"timers: {many:,} due at once, fired at", fired / seconds,
                        "timers/s", note=f"{fired:,} of {many:,} fired within {seconds:.1f} s"
                                         f"; lateness p99 {percentile(lateness, 0.99):,.0f} ms"))
    return rows


def _fire(stack: BenchStack, template: str, prefix: str, first: int, due: int
          ) -> tuple[list[float], int]:
    """`due` open cases whose window closed hours ago, their timers falling due in three
    seconds; how late each fired (ms), once all have or two minutes have passed."""
    window_closed = (datetime.now(UTC) - timedelta(hours=3)).isoformat()
    last = first + due - 1
    copy_cases(stack.database_url, template, prefix, first, last, state="open",
               last_signal=window_closed, with_history=False)
    due_at = datetime.now(UTC) + timedelta(seconds=3)
    add_timers(stack.database_url, prefix, first, last, due_at.isoformat())
    deadline = time.monotonic() + 120
    fired = 0
    while time.monotonic() < deadline:
        fired = int(scalar(stack.database_url, "SELECT count(*) FROM timers WHERE status = "
                           f"'fired' AND case_id LIKE '{prefix}%%'"))
        if fired >= due:
            break
        time.sleep(0.2)
    return _lateness(stack, due_at, prefix), fired


def _lateness(stack: BenchStack, due_at: datetime, prefix: str) -> list[float]:
    import psycopg

    with psycopg.connect(stack.database_url) as db:
        rows = db.execute("SELECT extract(epoch FROM at - %s) * 1000 FROM timeline "
                          f"WHERE type = 'resolved' AND case_id LIKE '{prefix}%%'",
                          [due_at]).fetchall()
    return [float(r[0]) for r in rows]


def scale(stack: BenchStack, token: str, officer: str, sizes: list[int]) -> list[Row]:
    """Per-signal time, bytes per case and page latencies as history grows."""
    rows: list[Row] = []
    template = template_case(stack)
    made = int(scalar(stack.database_url, "SELECT count(*) FROM cases"))
    for size in sizes:
        if size > made:
            copy_cases(stack.database_url, template, "h", made + 1, size)
            made = size
            _vacuum(stack)
        before = count_lines(stack.gateway_log)
        load = flood(stack.base_url, token, total=3000, batch=500, clients=2,
                     prefix=f"scale{size}")
        start = time.monotonic() - load.seconds
        wait_drained(stack, before + len(load.accepted_at))
        per_signal = (time.monotonic() - start) / max(1, len(load.accepted_at)) * 1000
        cases = scalar(stack.database_url, "SELECT count(*) FROM cases")
        size_bytes = scalar(stack.database_url, "SELECT pg_database_size(current_database())")
        queue_ms, case_ms = page_latency(stack, officer, template)
        label = f"{size:,} cases"
        rows += [Row(f"scale {label}: time per signal", per_signal, "ms"),
                 Row(f"scale {label}: database bytes per case", size_bytes / cases, "bytes"),
                 Row(f"scale {label}: officer queue page", queue_ms, "ms"),
                 Row(f"scale {label}: case lookup", case_ms, "ms")]
    if len(sizes) > 1:
        small, large = f"{min(sizes):,} cases", f"{max(sizes):,} cases"
        by_name = {row.figure: row.value for row in rows}
        for what in ("time per signal", "officer queue page", "case lookup"):
            rows.append(Row(f"scale: {what}, largest / smallest",
                            by_name[f"scale {large}: {what}"]
                            / by_name[f"scale {small}: {what}"], "×",
                            note=f"{large} against {small}"))
    return rows


def _vacuum(stack: BenchStack) -> None:
    import psycopg

    with psycopg.connect(stack.database_url, autocommit=True) as db:
        db.execute("VACUUM ANALYZE")
