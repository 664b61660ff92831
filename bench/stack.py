"""The distributed stack for a benchmark: a PostgreSQL database and a Redis db number of
its own, `warn serve`, N `warn worker` processes and `warn scheduler`, always torn down."""

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import redis

PG_ADMIN = os.environ.get("WARN_BENCH_PG", "postgresql://127.0.0.1:5432/test")
REDIS_ADMIN = os.environ.get("WARN_BENCH_REDIS", "redis://127.0.0.1:6379")
WARN = [sys.executable, "-m", "warn"]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class BenchStack:
    workers: int = 2
    servers: int = 2
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="warn-bench-")))
    port: int = field(default_factory=free_port)
    database: str = field(default_factory=lambda: f"warn_bench_{secrets.token_hex(4)}")
    redis_db: int = 0
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        return PG_ADMIN.rsplit("/", 1)[0] + f"/{self.database}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def phase_folder(self) -> Path:
        return self.folder / "phases"

    @property
    def gateway_log(self) -> Path:
        return self.folder / "gateway.ndjson"

    @property
    def policy_path(self) -> Path:
        return self.folder / "policy.yaml"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WARN_")}
        env.update(WARN_POLICY=str(self.policy_path), WARN_DATABASE_URL=self.database_url,
                   WARN_MOCK_LOG=str(self.gateway_log),
                   WARN_BROKER_URL=f"{REDIS_ADMIN}/{self.redis_db}", PYTHONUNBUFFERED="1",
                   WARN_PHASE_DIR=str(self.phase_folder))
        return env

    def __enter__(self) -> "BenchStack":
        self.policy_path.write_text(contract_policy(), encoding="utf-8")
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.database}"')
        self.redis_db = _claim_redis_db()
        self.cli("db", "upgrade")
        return self

    def __exit__(self, *_: object) -> None:
        self.stop_all()
        redis.Redis.from_url(f"{REDIS_ADMIN}/{self.redis_db}").flushdb()
        redis.Redis.from_url(f"{REDIS_ADMIN}/0").delete(f"warn-test-db:{self.redis_db}")
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def cli(self, *args: str) -> str:
        done = subprocess.run([*WARN, *args], env=self.env(), capture_output=True, text=True,
                              timeout=300, check=False, cwd=self.folder)
        if done.returncode:
            raise RuntimeError(f"warn {' '.join(args)} failed:\n{done.stderr[-2000:]}")
        return done.stdout

    def token(self, name: str, role: str, *options: str) -> str:
        return self.cli("user", "add", name, "--role", role, *options).strip().splitlines()[-1]

    def start(self, with_scheduler: bool = True) -> None:
        self._spawn("serve", "serve", "--port", str(self.port), "--workers", str(self.servers))
        for n in range(self.workers):
            self._spawn(f"worker-{n}", "worker", "--concurrency", "1")
        if with_scheduler:
            self._spawn("scheduler", "scheduler")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    time.sleep(1.0)  # let the workers connect to the broker
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("warn serve did not come up")

    def _spawn(self, name: str, *args: str) -> None:
        log = (self.folder / f"{name}.log").open("wb")
        self.phase_folder.mkdir(exist_ok=True)
        env = {**self.env(), "WARN_PHASE_PROCESS": args[0]}  # serve, worker, scheduler
        self.processes[name] = subprocess.Popen(
            [*WARN, *args], env=env, stdout=log, stderr=subprocess.STDOUT,
            cwd=self.folder, start_new_session=True)

    def stop_all(self) -> None:
        for process in self.processes.values():
            _signal_group(process, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
        self.processes.clear()

    def pids(self, prefix: str) -> list[int]:
        """The pids of a process and its children (a Celery worker forks its pool)."""
        found = []
        for name, process in self.processes.items():
            if name.startswith(prefix):
                found.append(process.pid)
                children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
                if children.exists():
                    found += [int(pid) for pid in children.read_text().split()]
        return found


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total / 1024


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def contract_policy() -> str:
    """CONTRACT §4's policy as it prints it: the built-in one but for its medium team
    stage, which also waits for 96110's first try (`after_tried`). No benchmark records a
    callback's result, and the medium case behind a backlog must reach that stage."""
    built_in = (Path(__file__).resolve().parents[1] / "warn" / "default_policy.yaml").read_text(
        encoding="utf-8")
    held = ", after_tried: [callback_96110]"
    if held not in built_in:
        raise RuntimeError("the built-in policy's medium team stage changed: update the bench")
    return built_in.replace(held, "")


def _claim_redis_db() -> int:
    admin = redis.Redis.from_url(f"{REDIS_ADMIN}/0")
    for number in range(15, 0, -1):
        if admin.set(f"warn-test-db:{number}", os.getpid(), nx=True, ex=7200):
            redis.Redis.from_url(f"{REDIS_ADMIN}/{number}").flushdb()
            return number
    raise RuntimeError("no free Redis db number")
