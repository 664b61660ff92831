"""CPU by phase (warn.phases): off unless asked for, and each phase charged only its own
time when phases nest."""

import importlib
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import warn.phases


@pytest.fixture
def phases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setenv("WARN_PHASE_DIR", str(tmp_path))
    monkeypatch.setenv("WARN_PHASE_PROCESS", "worker")
    yield importlib.reload(warn.phases)
    monkeypatch.delenv("WARN_PHASE_DIR")
    importlib.reload(warn.phases)


def _spin(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_off_by_default_it_writes_nothing(tmp_path: Path) -> None:
    module = importlib.reload(warn.phases)
    assert not module.ENABLED
    with module.phase("decide"):
        _spin(0.001)
    module.write()
    assert list(tmp_path.iterdir()) == []


def test_a_nested_phase_is_charged_to_itself_not_to_the_one_around_it(
        phases: object, tmp_path: Path) -> None:
    module = warn.phases
    with module.phase("decide"):
        _spin(0.02)
        with module.phase("render"):
            _spin(0.05)
        _spin(0.02)
    module.write()
    (report,) = [json.loads(p.read_text()) for p in tmp_path.glob("*.json")]
    assert report["process"] == "worker"
    spent = report["phases"]
    assert 0.035 < spent["decide"] < 0.06
    assert 0.045 < spent["render"] < 0.07
