"""The limits our figures are bounded by, measured in the same run on the same services:
a Celery no-op task's throughput on the same broker and worker settings, and a raw
batched INSERT rate into PostgreSQL."""

import json
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import redis

from bench.figures import Row
from bench.stack import BenchStack

NOOP_FIGURE = "limit: Celery no-op tasks (warn's worker settings)"


def celery_noop(stack: BenchStack, tasks: int = 4000) -> Row:
    """No-op tasks through the same broker, with warn's worker settings and as many worker
    processes (each of concurrency 1) as warn's run had."""
    env = stack.env()
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    log = (stack.folder / "noop-worker.log").open("wb")
    workers = [subprocess.Popen([sys.executable, "-m", "bench.noop", "worker"], env=env,
                                stdout=log, stderr=subprocess.STDOUT, cwd=stack.folder,
                                start_new_session=True) for _ in range(stack.workers)]
    counter = redis.Redis.from_url(env["WARN_BROKER_URL"])
    counter.delete("bench-noop")
    try:
        time.sleep(3)  # the worker connects
        from bench import noop

        noop.configure(env["WARN_BROKER_URL"])
        start = time.monotonic()
        for _ in range(tasks):
            noop.noop.delay()
        while int(counter.get("bench-noop") or 0) < tasks:
            if time.monotonic() - start > 120:
                break
            time.sleep(0.01)
        seconds = time.monotonic() - start
    finally:
        import os
        import signal

        for worker in workers:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    done = int(counter.get("bench-noop") or 0)
    return Row(NOOP_FIGURE, done / seconds, "tasks/s",
               note=f"{done} of {tasks} in {seconds:.1f} s, {stack.workers} worker processes")


def raw_insert(stack: BenchStack, rows: int = 50_000, batch: int = 1000) -> Row:
    payload = json.dumps({"id": "x" * 20, "kind": "scam_sms", "subject": {"msisdn": "+86"},
                          "attributes": {"sender": "10690000"}})
    with psycopg.connect(stack.database_url) as db:
        db.execute("CREATE TEMP TABLE raw_insert (id text PRIMARY KEY, payload jsonb)")
        start = time.monotonic()
        with db.cursor() as cursor:
            for first in range(0, rows, batch):
                cursor.executemany("INSERT INTO raw_insert VALUES (%s, %s)",
                                   [(f"r{n}", payload) for n in range(first, first + batch)])
                db.commit()
        seconds = time.monotonic() - start
    return Row("limit: raw batched INSERT into PostgreSQL", rows / seconds, "rows/s",
               note=f"batches of {batch}, one commit each")
