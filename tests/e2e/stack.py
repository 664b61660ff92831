"""Starting warn as real OS processes (`warn serve`, `warn worker`, `warn scheduler`) for
end-to-end tests, and talking to it over HTTP."""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.policies import SECONDS_POLICY

WARN = [sys.executable, "-m", "warn"]
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def eventually(check: Callable[[], T | None], timeout_s: float = 20,
               what: str = "condition") -> T:
    """Poll `check` until it returns something truthy."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


@dataclass
class Stack:
    env: dict[str, str]
    folder: Path
    port: int = field(default_factory=free_port)
    processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> str:
        done = subprocess.run([*WARN, *args], env=self.env, capture_output=True, timeout=60,
                              cwd=self.folder, check=False)
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout.decode()

    def user(self, name: str, role: str, *options: str) -> httpx.Client:
        token = self.cli("user", "add", name, "--role", role, *options).strip().splitlines()[-1]
        return httpx.Client(base_url=self.base_url, timeout=10,
                            headers={"Authorization": f"Bearer {token}"})

    def start(self, name: str, *args: str) -> None:
        log = (self.folder / f"{name}.log").open("wb")
        process = subprocess.Popen([*WARN, *args], env=self.env, stdout=log,
                                   stderr=subprocess.STDOUT, cwd=self.folder)
        self.processes.append((name, process))

    def wait_healthy(self) -> None:
        def healthy() -> bool:
            for name, process in self.processes:
                assert process.poll() is None, f"{name} exited:\n{self.logs(name)}"
            try:
                return httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        eventually(healthy, 30, "warn serve to answer /healthz")

    def logs(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        for _, process in self.processes:
            process.terminate()
        for _, process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def gateway_log(self) -> list[dict[str, Any]]:
        path = Path(self.env["WARN_MOCK_LOG"])
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line]


def stack_env(folder: Path, database_url: str, broker_url: str | None) -> dict[str, str]:
    policy = folder / "policy.yaml"
    policy.write_text(SECONDS_POLICY)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARN_")}
    env.update(WARN_DATABASE_URL=database_url, WARN_POLICY=str(policy),
               WARN_MOCK_LOG=str(folder / "gateway.ndjson"), PYTHONUNBUFFERED="1")
    if broker_url:
        env["WARN_BROKER_URL"] = broker_url
    return env
