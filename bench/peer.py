"""The peer, in the same run: Prometheus Alertmanager (Debian's package, installed when
missing) driven through the same kind of work as warn — alerts posted in batches and one
per POST, each to its first webhook delivery — on the same two cores.

Clustering is off and every alert is a group of its own (`group_by: ['...']`,
`group_wait: 0s`), so each alert is one notification, as each signal is one flash SMS.
Alertmanager keeps its alerts in memory: nothing it accepts is on disk when it answers.
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench import cpu
from bench.figures import Row
from bench.gateway import percentile
from bench.load import LoadResult, Prepared, flood_prepared
from bench.stack import free_port

BINARY = "prometheus-alertmanager"
CONFIG = """\
route:
  receiver: hook
  group_by: ['...']
  group_wait: 0s
  group_interval: 5m
  repeat_interval: 12h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:{port}/hook
        send_resolved: false
"""


def installed() -> str | None:
    """The binary, installed from Debian's packages if missing; None when it cannot be."""
    found = shutil.which(BINARY)
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-q", BINARY], env=env, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
        found = shutil.which(BINARY)
    return found


class Peer:
    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.folder = Path(tempfile.mkdtemp(prefix="warn-peer-"))
        self.port, self.hook_port = free_port(), free_port()
        self.processes: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Peer":
        (self.folder / "alertmanager.yml").write_text(CONFIG.format(port=self.hook_port))
        self._spawn("webhook", sys.executable, "-m", "bench.webhook", str(self.hook_port))
        self._spawn("alertmanager", self.binary,
                    f"--config.file={self.folder / 'alertmanager.yml'}",
                    f"--storage.path={self.folder / 'data'}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    "--cluster.listen-address=", "--log.level=warn")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                ready = httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200
                hook = httpx.get(f"http://127.0.0.1:{self.hook_port}/firsts",
                                 timeout=1).status_code == 200
                if ready and hook:
                    return self
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("Alertmanager or the webhook receiver did not come up")

    def __exit__(self, *_: object) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _spawn(self, name: str, *command: str) -> None:
        log = (self.folder / f"{name}.log").open("wb")
        root = str(Path(__file__).resolve().parents[1])
        self.processes.append(subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, cwd=root, start_new_session=True,
            env={**os.environ, "PYTHONPATH": root}))

    def cpu_seconds(self) -> float:
        """Alertmanager's own CPU (the webhook receiver, in Python, stands for the phone
        network and is not counted, as warn's mock gateways are inside its workers)."""
        return sum(cpu.process_cpu(pid) for pid in cpu.tree([self.processes[1].pid]))

    def firsts(self) -> dict[str, float]:
        answer = httpx.get(f"http://127.0.0.1:{self.hook_port}/firsts", timeout=30)
        return dict(answer.json()["firsts"])


def alerts(prefix: str, total: int, batch: int) -> Prepared:
    """`total` alerts for numbers never used before, `batch` to a POST."""
    starts = datetime.now(UTC).isoformat()
    ends = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    requests: Prepared = []
    for first in range(0, total, batch):
        numbers = [f"+86{prefix}{n:08d}" for n in range(first, min(total, first + batch))]
        body = [{"labels": {"alertname": "scam_sms", "msisdn": number, "district": "bench"},
                 "annotations": {"sender": "10690000", "fraud_type": "fake_customer_service"},
                 "startsAt": starts, "endsAt": ends} for number in numbers]
        requests.append((json.dumps(body).encode(), numbers))
    return requests


def measure(quick: bool) -> list[Row]:
    binary = installed()
    if binary is None:
        return [Row("peer: Alertmanager", float("nan"), "", note="not installed, and could "
                    f"not be installed ({BINARY} from Debian's packages)")]
    batches, singles = (5_000, 1_000) if quick else (20_000, 4_000)
    with Peer(binary) as peer:
        rows = _burst(peer, "batches of 100 (4 clients)", alerts("135", batches, 100), 4)
        rows += _burst(peer, "one per POST (64 clients)", alerts("136", singles, 1), 64)
    return rows


def _burst(peer: Peer, how: str, prepared: Prepared, clients: int) -> list[Row]:
    total = sum(len(numbers) for _, numbers in prepared)
    before = peer.cpu_seconds()
    load = flood_prepared(f"{peer.url}/api/v2/alerts", None, prepared, clients, accepted=200)
    firsts = _delivered(peer, load, timeout_s=120)
    spent = peer.cpu_seconds() - before
    waits, delivered = load.reached(firsts)
    note = f"{len(waits):,} of {total:,} delivered; {load.errors} errors"
    return [Row(f"peer: Alertmanager accepted, {how}", load.rate, "alerts/s"),
            Row(f"peer: Alertmanager end to end, {how}", delivered, "alerts/s", note=note),
            Row(f"peer: Alertmanager POST → webhook p99, {how}", percentile(waits, 0.99),
                "ms"),
            Row(f"peer: Alertmanager CPU per alert, {how}",
                spent / max(1, len(waits)) * 1e6, "µs")]


def _delivered(peer: Peer, load: LoadResult, timeout_s: float) -> dict[str, float]:
    deadline = time.monotonic() + timeout_s
    while True:
        firsts = peer.firsts()
        if all(n in firsts for n in load.accepted_at) or time.monotonic() > deadline:
            return firsts
        time.sleep(0.5)
