"""`python -m bench`: start the distributed stack on the local PostgreSQL and Redis, drive
it, and print every figure beside the limit that bounds it."""

import argparse
import time

from rich.console import Console
from rich.table import Table

from bench import figures, heavy, limits, urgent
from bench.figures import Row
from bench.stack import BenchStack


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--workers", type=int, default=2, help="warn worker processes")
    parser.add_argument("--servers", type=int, default=2, help="warn serve processes")
    parser.add_argument("--quick", action="store_true", help="smaller loads, for a smoke run")
    parser.add_argument("--soak-minutes", type=float, default=2.0)
    parser.add_argument("--scale", default="10000,100000",
                        help="history sizes in cases, e.g. 10000,1000000")
    parser.add_argument("--timers", type=int, default=1_000_000, help="pending timers")
    parser.add_argument("--due", type=int, default=10_000, help="timers due in one second")
    args = parser.parse_args()
    console = Console()
    started = time.monotonic()
    rows: list[Row] = []
    with BenchStack(workers=args.workers, servers=args.servers) as stack:
        feed = stack.token("bench-feed", "feed")
        officer = stack.token("bench-officer", "officer")
        stack.start()
        for name, step in (
                ("ingest", lambda: figures.ingest(stack, feed, args.quick)),
                ("end to end", lambda: figures.sustained(stack, feed, args.quick)),
                ("latency", lambda: figures.latency(stack, feed, args.quick)),
                ("latency at a rate it keeps up with",
                 lambda: figures.latency(stack, feed, args.quick, rate=100)),
                ("urgent behind a backlog",
                 lambda: urgent.behind_backlog(stack, feed, args.quick)),
                ("scale", lambda: heavy.scale(stack, feed, officer,
                                              [int(s) for s in args.scale.split(",")])),
                ("timers", lambda: heavy.timers(stack, args.timers, args.due)),
                ("soak", lambda: figures.soak(stack, feed, args.soak_minutes))):
            waited = figures.settle(stack)
            console.log(f"measuring {name} (after {waited:.0f} s to settle) …")
            measured = step()
            for row in measured:
                console.log(f"  {row.figure}: {row.value:,.1f} {row.unit} {row.note}")
            rows += measured
        stack.stop_all()
        console.log("measuring the limits …")
        rows += [limits.celery_noop(stack), limits.raw_insert(stack)]
    _print(console, rows, f"{args.servers} server and {args.workers} worker processes",
           time.monotonic() - started)


def _print(console: Console, rows: list[Row], processes: str, seconds: float) -> None:
    table = Table(title=f"warn benchmark: {processes}, PostgreSQL + Redis on 127.0.0.1 "
                        f"({seconds / 60:.1f} min)")
    for column in ("figure", "value", "unit", "note"):
        table.add_column(column, justify="right" if column == "value" else "left")
    for row in rows:
        table.add_row(row.figure, f"{row.value:,.1f}", row.unit, row.note)
    console.print(table)
    by_name = {row.figure: row for row in rows}
    noop = by_name.get("limit: Celery no-op tasks (1 prefork worker)")
    insert = by_name.get("limit: raw batched INSERT into PostgreSQL")
    e2e = by_name.get("end to end, sustained (batch ingest)")
    batch = by_name.get("ingest, batches of 1,000 (4 clients)")
    if noop and e2e and noop.value:
        console.print(f"end to end / Celery no-op tasks per worker: "
                      f"{e2e.value / noop.value:.2f} (signals per no-op task)")
    if insert and batch and insert.value:
        console.print(f"batch ingest / raw INSERT rate: {batch.value / insert.value:.2f}")


if __name__ == "__main__":
    main()
