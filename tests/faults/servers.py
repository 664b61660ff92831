"""Throwaway PostgreSQL and Redis servers on spare ports, for the fault tests alone.

The fault tests kill and restart these servers; the machine's own PostgreSQL and Redis
(which the other suites use) are never touched. Both keep nothing worth keeping: the
PostgreSQL cluster lives in a temporary folder with fsync off, Redis persists nothing.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis

from tests.e2e.stack import free_port


def _pg_bin(name: str) -> str:
    """The newest installed PostgreSQL's binary (Debian keeps them off PATH)."""
    root = Path("/usr/lib/postgresql")
    versions = sorted((p for p in root.glob("*/bin") if (p / name).exists()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if versions:
        return str(versions[-1] / name)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return found


def _as_postgres() -> list[str]:
    # initdb and postgres refuse to run as root: run them as the postgres user then.
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _wait(check: object, what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {timeout_s}s")


@dataclass
class Postgres:
    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        subprocess.run([*_as_postgres(), _pg_bin("initdb"), "-D", str(self.data), "-U",
                        "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"],
                       check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        log = (self.folder / "postgres.log").open("ab")
        # fsync off: a throwaway cluster; we kill it on purpose, never the machine.
        self.process = subprocess.Popen(
            [*_as_postgres(), _pg_bin("postgres"), "-D", str(self.data), "-p", str(self.port),
             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.folder}",
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "max_connections=200",
             "-c", "full_page_writes=off"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        _wait(self.ready, f"PostgreSQL on port {self.port}")

    def ready(self) -> bool:
        with psycopg.connect(self.url(), connect_timeout=1):
            return True

    def stop(self) -> None:
        """A fast shutdown (SIGINT): sessions are cut, as when an operator stops it."""
        if self.process is None:
            return
        # runuser forwards the signal to postgres; the postmaster then ends its children.
        os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(timeout=60)
        self.process = None

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@dataclass
class Redis:
    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        log = (self.folder / "redis.log").open("ab")
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        _wait(lambda: redis.Redis(port=self.port, socket_timeout=1).ping(),
              f"Redis on port {self.port}")

    def kill(self) -> None:
        """kill -9: every message it held is gone (it persists nothing)."""
        if self.process is None:
            return
        self.process.kill()
        self.process.wait(timeout=30)
        self.process = None

    def flush(self) -> None:
        redis.Redis(port=self.port, socket_timeout=5).flushall()
