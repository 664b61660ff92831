"""`python -m bench`: start the distributed stack on the local PostgreSQL and Redis, drive
it, and print every figure beside the target, limit or peer it is measured against."""

import argparse
import time
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from bench import figures, heavy, limits, peer, urgent
from bench.figures import Row
from bench.stack import BenchStack
from bench.targets import verdicts


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--workers", type=int, default=2, help="warn worker processes")
    parser.add_argument("--servers", type=int, default=2, help="warn serve processes")
    parser.add_argument("--quick", action="store_true", help="smaller loads, for a smoke run")
    parser.add_argument("--peer", action="store_true",
                        help="also drive Prometheus Alertmanager through the same work "
                             "(installed from Debian's packages when missing)")
    parser.add_argument("--soak-minutes", type=float, default=2.0)
    parser.add_argument("--scale", default="10000,100000",
                        help="history sizes in cases, e.g. 10000,1000000")
    parser.add_argument("--timers", type=int, default=1_000_000, help="pending timers")
    parser.add_argument("--due", type=int, default=10_000, help="timers due in one second")
    parser.add_argument("--many", type=int, default=100_000,
                        help="timers due at once, for their firing rate (0: skip)")
    args = parser.parse_args()
    console = Console()
    started = time.monotonic()
    rows: list[Row] = []
    with BenchStack(workers=args.workers, servers=args.servers) as stack:
        feed = stack.token("bench-feed", "feed")
        officer = stack.token("bench-officer", "officer")
        stack.start()
        steps: list[tuple[str, Callable[[], list[Row]]]] = [
            ("burst, with its CPU", lambda: figures.burst(stack, feed, args.quick)),
            ("ingest", lambda: figures.ingest(stack, feed, args.quick)),
            ("single POSTs", lambda: figures.singles(stack, feed, args.quick)),
            ("end to end", lambda: figures.sustained(stack, feed, args.quick)),
            ("latency", lambda: figures.latency(stack, feed, args.quick)),
            ("latency at a rate it keeps up with",
             lambda: figures.latency(stack, feed, args.quick, rate=100)),
            ("urgent behind a backlog", lambda: urgent.behind_backlog(stack, feed, args.quick)),
            ("scale", lambda: heavy.scale(stack, feed, officer,
                                          [int(s) for s in args.scale.split(",")])),
            ("timers", lambda: heavy.timers(stack, args.timers, args.due, args.many)),
            ("soak", lambda: figures.soak(stack, feed, args.soak_minutes))]
        for name, step in steps:
            waited = figures.settle(stack)
            console.log(f"measuring {name} (after {waited:.0f} s to settle) …")
            rows += _logged(console, step())
        stack.stop_all()
        console.log("measuring the limits …")
        rows += _logged(console, [limits.celery_noop(stack), limits.raw_insert(stack)])
    if args.peer:
        console.log("measuring the peer, Prometheus Alertmanager …")
        rows += _logged(console, peer.measure(args.quick))
    _print(console, rows, f"{args.servers} server and {args.workers} worker processes",
           time.monotonic() - started)


def _logged(console: Console, rows: list[Row]) -> list[Row]:
    for row in rows:
        console.log(f"  {row.figure}: {row.value:,.1f} {row.unit} {row.note}")
    return rows


def _print(console: Console, rows: list[Row], processes: str, seconds: float) -> None:
    table = Table(title=f"warn benchmark: {processes}, PostgreSQL + Redis on 127.0.0.1 "
                        f"({seconds / 60:.1f} min)")
    for column in ("figure", "value", "unit", "note"):
        table.add_column(column, justify="right" if column == "value" else "left")
    for row in rows:
        table.add_row(row.figure, f"{row.value:,.1f}", row.unit, row.note)
    console.print(table)
    checked = Table(title="targets (each against a bound, or a figure of this same run)")
    for column in ("figure", "value", "target", "limit", "ratio", "met"):
        checked.add_column(column, justify="right" if column in ("value", "limit", "ratio")
                           else "left")
    for verdict in verdicts(rows):
        ratio = verdict.value / verdict.limit if verdict.limit else float("nan")
        checked.add_row(verdict.target.figure, f"{verdict.value:,.1f}", verdict.target.says(),
                        f"{verdict.limit:,.1f}", f"{ratio:.2f}",
                        "yes" if verdict.met else "[bold red]NO[/]")
    console.print(checked)


if __name__ == "__main__":
    main()
