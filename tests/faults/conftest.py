"""Fault-suite fixtures: throwaway servers for the session, a fresh stack per scenario, and
the summary table printed at the end of the run (per scenario: signals sent, first
warnings, lost, duplicated)."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.faults.harness import FaultStack, Tally
from tests.faults.servers import Postgres, Redis
from tests.policies import SECONDS_POLICY


@dataclass(frozen=True)
class Row:
    scenario: str
    tally: Tally


ROWS = pytest.StashKey[list[Row]]()
FIGURES = pytest.StashKey[list[tuple[str, str, str]]]()


@dataclass
class Servers:
    postgres: Postgres
    redis: Redis


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """PostgreSQL and Redis of the fault suite's own, on spare ports; killed at the end."""
    # Not under pytest's own temp folder: the postgres user could not reach into it.
    pg_folder = Path(tempfile.mkdtemp(prefix="warn-faults-pg-"))
    postgres, redis = Postgres(pg_folder), Redis(tmp_path_factory.mktemp("fault-redis"))
    try:
        postgres.init()
        postgres.start()
        redis.start()
        yield Servers(postgres, redis)
    finally:
        redis.kill()
        postgres.stop()
        shutil.rmtree(pg_folder, ignore_errors=True)


StackFactory = Callable[..., FaultStack]


@pytest.fixture
def make_stack(servers: Servers, tmp_path: Path) -> Iterator[StackFactory]:
    """Builds the scenario's stack: a new database, an empty Redis, its own gateway log and
    policy; every process it started is stopped at the end of the test."""
    made: list[FaultStack] = []

    def build(policy: str = SECONDS_POLICY, officers: int = 1, **mock: str) -> FaultStack:
        if servers.postgres.process is None:  # a scenario that failed with it stopped
            servers.postgres.start()
        if servers.redis.process is None:
            servers.redis.start()
        servers.redis.flush()
        url = servers.postgres.create_database(f"warn_f_{secrets.token_hex(4)}")
        (tmp_path / "policy.yaml").write_text(policy)
        env = {k: v for k, v in os.environ.items() if not k.startswith("WARN_")}
        env.update(WARN_DATABASE_URL=url, WARN_BROKER_URL=servers.redis.url,
                   WARN_POLICY=str(tmp_path / "policy.yaml"),
                   WARN_MOCK_LOG=str(tmp_path / "gateway.ndjson"), PYTHONUNBUFFERED="1",
                   **{f"WARN_MOCK_{key.upper()}": value for key, value in mock.items()})
        stack = FaultStack(tmp_path, env, url)
        stack.directory(officers)
        made.append(stack)
        return stack

    yield build
    for stack in made:
        stack.stop()


Report = Callable[[Tally], None]


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Report:
    """Records the scenario's tally for the summary table."""
    rows = request.config.stash.setdefault(ROWS, [])

    def record(tally: Tally) -> None:
        rows.append(Row(request.node.name, tally))

    return record


Figures = Callable[[str, str], None]


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Figures:
    """Records a figure a scenario measured (what, how much) for the summary."""
    kept = request.config.stash.setdefault(FIGURES, [])

    def record(what: str, value: str) -> None:
        kept.append((request.node.name, what, value))

    return record


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            config: pytest.Config) -> None:
    _print_figures(terminalreporter, config.stash.get(FIGURES, []))
    rows = config.stash.get(ROWS, [])
    if not rows:
        return
    width = max(len(row.scenario) for row in rows)
    write = terminalreporter.write_line
    terminalreporter.section("fault suite: the mock gateways' own record")
    write(f"{'scenario':<{width}}  {'signals':>7}  {'first warnings':>14}  {'lost':>4}  "
          f"{'duplicated':>10}")
    for row in rows:
        t = row.tally
        write(f"{row.scenario:<{width}}  {t.sent:>7}  {t.warned:>14}  {t.lost:>4}  "
              f"{t.duplicated:>10}")


def _print_figures(terminalreporter: pytest.TerminalReporter,
                   figures: list[tuple[str, str, str]]) -> None:
    if not figures:
        return
    terminalreporter.section("fault suite: figures measured")
    for scenario, what, value in figures:
        terminalreporter.write_line(f"{scenario}: {what}: {value}")
