"""Where a process spends its CPU, by phase of a signal's path: ingest, read, decide,
render, write, send.

Off unless WARN_PHASE_DIR names a folder (the benchmark sets it): each process then adds
the CPU time of its threads (`time.thread_time`) to the phase it is in, and now and then
writes its totals to a file of its own in that folder. Phases nest, and each is charged
only its own time: rendering inside a decision counts as render, not as decide. What a
process spends outside every phase (HTTP, Celery, logging) is the rest of its CPU.
"""

import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_FOLDER = os.environ.get("WARN_PHASE_DIR")
ENABLED = bool(_FOLDER)
_WRITE_EVERY_S = 0.5

# what this process's reports are summed under ('serve', 'worker', ...)
_PROCESS = os.environ.get("WARN_PHASE_PROCESS", "?")

_totals: dict[str, float] = {}
_totals_lock = threading.Lock()
_local = threading.local()
_writer_of: list[int] = []  # the pid whose writing thread runs (a forked child starts its own)


@contextmanager
def phase(name: str) -> Iterator[None]:
    if not ENABLED:
        yield
        return
    if _writer_of != [os.getpid()]:
        _start_writer()
    stack: list[list[object]] = getattr(_local, "stack", None) or []
    _local.stack = stack
    now = time.thread_time()
    if stack:
        _charge(stack[-1], now)
    stack.append([name, now])
    try:
        yield
    finally:
        now = time.thread_time()
        _charge(stack.pop(), now)
        if stack:
            stack[-1][1] = now


def _charge(entry: list[object], now: float) -> None:
    name, since = str(entry[0]), float(entry[1])  # type: ignore[arg-type]
    with _totals_lock:
        _totals[name] = _totals.get(name, 0.0) + now - since


def _start_writer() -> None:
    with _totals_lock:
        if _writer_of == [os.getpid()]:
            return
        _writer_of[:] = [os.getpid()]
        _totals.clear()  # a forked child reports its own time, not its parent's
    threading.Thread(target=_keep_writing, name="warn-phases", daemon=True).start()


def _keep_writing() -> None:
    while True:
        time.sleep(_WRITE_EVERY_S)
        write()


def write() -> None:
    """Write this process's totals (the benchmark reads them between figures)."""
    if not _FOLDER:
        return
    with _totals_lock:
        report = {"process": _PROCESS, "phases": dict(_totals)}
    path = Path(_FOLDER) / f"{os.getpid()}.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(report))
    temporary.replace(path)
