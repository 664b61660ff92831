"""CPU time of every process that carries a signal, read from /proc, and the phases that
warn's own processes report (`warn.phases`).

A figure is the CPU spent between two snapshots divided by the signals carried in
between: servers, workers and the scheduler with their children, every PostgreSQL process
(the server's backends do the database's share of the work), Redis, and the mock gateway's
writes, which happen inside the workers."""

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from bench.stack import BenchStack

TICK_S = 1 / os.sysconf("SC_CLK_TCK")


@dataclass
class Snapshot:
    seconds: dict[str, float] = field(default_factory=dict)  # process group -> CPU s
    phases: dict[str, float] = field(default_factory=dict)  # "group/phase" -> CPU s

    def minus(self, before: "Snapshot") -> "Snapshot":
        return Snapshot(
            {k: v - before.seconds.get(k, 0.0) for k, v in self.seconds.items()},
            {k: v - before.phases.get(k, 0.0) for k, v in self.phases.items()})


def snapshot(stack: BenchStack) -> Snapshot:
    seconds: dict[str, float] = {}
    for group in ("serve", "worker", "scheduler"):
        seconds[group] = sum(process_cpu(pid) for pid in tree(stack.pids(group)))
    seconds["postgres"] = sum(process_cpu(pid) for pid in _named("postgres"))
    seconds["redis"] = sum(process_cpu(pid) for pid in _named("redis-server"))
    return Snapshot(seconds, read_phases(stack.phase_folder))


def read_phases(folder: Path) -> dict[str, float]:
    """Each warn process writes its phase totals to a file of its own; summed by the kind
    of process ('serve', 'worker', ...) and phase."""
    totals: dict[str, float] = {}
    for path in folder.glob("*.json"):
        try:
            report = json.loads(path.read_text())
        except (OSError, ValueError):
            continue  # being rewritten: the next snapshot reads it
        for phase, spent in report.get("phases", {}).items():
            key = f"{report.get('process', '?')}/{phase}"
            totals[key] = totals.get(key, 0.0) + float(spent)
    return totals


def process_cpu(pid: int) -> float:
    """utime + stime of a process, its threads included."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) * TICK_S


def tree(pids: list[int]) -> set[int]:
    """The processes and all their descendants (uvicorn and Celery fork children)."""
    found, todo = set(), list(pids)
    while todo:
        pid = todo.pop()
        if pid in found:
            continue
        found.add(pid)
        for task in Path(f"/proc/{pid}/task").glob("*/children") if Path(
                f"/proc/{pid}").exists() else ():
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                todo += [int(child) for child in task.read_text().split()]
    return found


def _named(command: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                if (entry / "comm").read_text().strip() == command:
                    pids.append(int(entry.name))
    return pids
