"""Mock gateways, their environment, and the one retry layer."""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from warn.channels import (
    CHANNEL_NAMES,
    NotAccepted,
    OutboundMessage,
    PermanentError,
    Receipt,
    TransientError,
    send_with_retries,
)
from warn.channels.mock import MockBehaviour, MockGateway
from warn.channels.registry import behaviour_from_env, build_gateways, gateways, reset_gateways


def message(delivery_id: str = "d-1", body: str = "[反诈中心]切勿转账") -> OutboundMessage:
    return OutboundMessage(delivery_id, "flash_sms", "+8613812345678", body)


def log_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- mock gateway ---------------------------------------------------------------------


def test_accepts_and_logs_one_json_line(tmp_path: Path) -> None:
    log = tmp_path / "mock.log"
    gateway = MockGateway("flash_sms", MockBehaviour(log_path=log))

    receipt = gateway.send(message())

    assert receipt.duplicate is False
    assert gateway.accepted == [message()]
    assert "[反诈中心]" in log.read_text(encoding="utf-8")  # ensure_ascii=False
    [line] = log_lines(log)
    assert set(line) == {"at", "channel", "delivery_id", "recipient", "body"}
    assert line["channel"] == "flash_sms" and line["delivery_id"] == "d-1"
    assert datetime.fromisoformat(str(line["at"])).utcoffset() is not None


def test_repeat_key_is_a_duplicate_without_a_log(tmp_path: Path) -> None:
    gateway = MockGateway("flash_sms")

    first, second = gateway.send(message()), gateway.send(message())

    assert (first.duplicate, second.duplicate) == (False, True)
    assert first.gateway_message_id == second.gateway_message_id
    assert len(gateway.accepted) == 1


def test_idempotent_across_instances_sharing_a_log(tmp_path: Path) -> None:
    log = tmp_path / "mock.log"
    one = MockGateway("flash_sms", MockBehaviour(log_path=log))
    other = MockGateway("flash_sms", MockBehaviour(log_path=log))  # as in another process

    assert one.send(message()).duplicate is False
    assert other.send(message()).duplicate is True
    assert one.send(message("d-2")).duplicate is False

    assert [line["delivery_id"] for line in log_lines(log)] == ["d-1", "d-2"]
    assert other.accepted == []


def test_same_key_on_another_channel_is_not_a_duplicate(tmp_path: Path) -> None:
    log = tmp_path / "mock.log"
    MockGateway("flash_sms", MockBehaviour(log_path=log)).send(message())

    receipt = MockGateway("duty_page", MockBehaviour(log_path=log)).send(message())

    assert receipt.duplicate is False


def _send_all(log: str, ids: list[str]) -> None:
    gateway = MockGateway("flash_sms", MockBehaviour(log_path=Path(log)))
    for delivery_id in ids:
        gateway.send(message(delivery_id))


def test_idempotent_across_processes(tmp_path: Path) -> None:
    log = tmp_path / "mock.log"
    ids = [f"d-{n}" for n in range(40)]
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_send_all, args=(str(log), ids)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0

    assert sorted(line["delivery_id"] for line in log_lines(log)) == sorted(ids)


def test_idempotent_across_threads(tmp_path: Path) -> None:
    gateway = MockGateway("flash_sms", MockBehaviour(log_path=tmp_path / "mock.log"))
    receipts: list[Receipt] = []

    def send() -> None:
        receipts.append(gateway.send(message()))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(receipt.duplicate for receipt in receipts) == [False] + [True] * 7
    assert len(log_lines(tmp_path / "mock.log")) == 1


def test_a_torn_last_line_does_not_corrupt_the_next_record(tmp_path: Path) -> None:
    log = tmp_path / "mock.log"
    log.write_text('{"at": "2026-02-23T10:43:00+00:00", "chan', encoding="utf-8")

    MockGateway("flash_sms", MockBehaviour(log_path=log)).send(message())

    assert json.loads(log.read_text(encoding="utf-8").splitlines()[-1])["delivery_id"] == "d-1"


def test_fail_rate_one_fails_transiently() -> None:
    gateway = MockGateway("flash_sms", MockBehaviour(fail_rate=1.0))

    with pytest.raises(TransientError):
        gateway.send(message())
    assert gateway.accepted == []


def test_down_fails_permanently(tmp_path: Path) -> None:
    log = tmp_path / "mock.log"
    gateway = MockGateway("school_group", MockBehaviour(down=True, log_path=log))

    with pytest.raises(PermanentError, match="gateway down"):
        gateway.send(message())
    assert not log.exists() or log.read_text() == ""


def test_latency_is_spent_on_each_send() -> None:
    gateway = MockGateway("flash_sms", MockBehaviour(latency_ms=30))

    started = time.monotonic()
    gateway.send(message())

    assert time.monotonic() - started >= 0.03


# --- environment ----------------------------------------------------------------------


def test_behaviour_from_env(tmp_path: Path) -> None:
    env = {
        "WARN_MOCK_FAIL_RATE": "0.25",
        "WARN_MOCK_DOWN": "school_group, mobile_team",
        "WARN_MOCK_LATENCY_MS": "15",
        "WARN_MOCK_LOG": str(tmp_path / "mock.log"),
    }

    school, flash = behaviour_from_env(env, "school_group"), behaviour_from_env(env, "flash_sms")

    assert school == MockBehaviour(0.25, True, 15, tmp_path / "mock.log")
    assert flash.down is False and flash.fail_rate == 0.25


def test_empty_env_means_a_perfect_gateway() -> None:
    assert behaviour_from_env({}, "flash_sms") == MockBehaviour()


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"WARN_MOCK_FAIL_RATE": "often"}, "WARN_MOCK_FAIL_RATE"),
        ({"WARN_MOCK_FAIL_RATE": "1.5"}, "WARN_MOCK_FAIL_RATE"),
        ({"WARN_MOCK_FAIL_RATE": "nan"}, "WARN_MOCK_FAIL_RATE"),
        ({"WARN_MOCK_DOWN": "flash_sms,pager"}, "pager"),
        ({"WARN_MOCK_LATENCY_MS": "fast"}, "WARN_MOCK_LATENCY_MS"),
        ({"WARN_MOCK_LATENCY_MS": "-5"}, "WARN_MOCK_LATENCY_MS"),
    ],
)
def test_bad_env_is_refused_by_name(env: dict[str, str], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        behaviour_from_env(env, "flash_sms")


def test_build_gateways_covers_every_channel() -> None:
    built = build_gateways({"WARN_MOCK_DOWN": "duty_page"})

    assert tuple(built) == CHANNEL_NAMES
    assert all(built[name].name == name for name in CHANNEL_NAMES)
    with pytest.raises(PermanentError):
        built["duty_page"].send(message())


def test_gateways_are_cached_until_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARN_MOCK_DOWN", "")
    reset_gateways()
    first = gateways()
    monkeypatch.setenv("WARN_MOCK_DOWN", "flash_sms")

    assert gateways() is first
    reset_gateways()
    with pytest.raises(PermanentError):
        gateways()["flash_sms"].send(message())
    reset_gateways()


# --- retries --------------------------------------------------------------------------


class FlakyChannel:
    """Fails the first `failures` sends with `error`, then accepts."""

    name = "callback_96110"

    def __init__(self, failures: int, error: type[Exception] = TransientError) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def send(self, message: OutboundMessage) -> Receipt:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error(f"failure {self.calls}")
        return Receipt("gw-1", duplicate=False)


def test_retries_transient_failures_then_succeeds() -> None:
    waits: list[float] = []
    channel = FlakyChannel(failures=2)

    outcome = send_with_retries(channel, message(), sleep=waits.append)

    assert outcome.receipt == Receipt("gw-1", duplicate=False)
    assert outcome.attempts == channel.calls == 3
    assert len(waits) == 2 and 0.05 <= waits[0] <= 0.1


def test_gives_up_after_the_last_attempt() -> None:
    waits: list[float] = []
    channel = FlakyChannel(failures=100)

    with pytest.raises(NotAccepted) as failed:
        send_with_retries(channel, message(), attempts=6, max_wait_s=0.3, sleep=waits.append)

    assert channel.calls == 6
    assert failed.value.permanent is False and failed.value.attempts == 6
    assert "failure 6" in failed.value.reason
    assert max(waits) <= 0.3 + 0.05  # cap plus jitter


def test_permanent_failure_is_not_retried() -> None:
    channel = FlakyChannel(failures=100, error=PermanentError)

    with pytest.raises(NotAccepted) as failed:
        send_with_retries(channel, message(), sleep=lambda _: None)

    assert channel.calls == 1
    assert failed.value.permanent is True and failed.value.attempts == 1


def test_other_errors_propagate_untouched() -> None:
    channel = FlakyChannel(failures=1, error=KeyError)

    with pytest.raises(KeyError):
        send_with_retries(channel, message(), sleep=lambda _: None)
    assert channel.calls == 1


def test_retried_send_through_a_flaky_mock_is_logged_once(tmp_path: Path) -> None:
    log = tmp_path / "mock.log"
    gateway = MockGateway("flash_sms", MockBehaviour(fail_rate=0.5, log_path=log, seed=7))

    for n in range(20):
        send_with_retries(gateway, message(f"d-{n}"), attempts=30, sleep=lambda _: None)
        send_with_retries(gateway, message(f"d-{n}"), attempts=30, sleep=lambda _: None)

    assert len(log_lines(log)) == 20


# --- batches ----------------------------------------------------------------------------


def test_a_batch_is_logged_once_per_message_and_repeats_are_duplicates(tmp_path: Path) -> None:
    log = tmp_path / "mock.log"
    one = MockGateway("flash_sms", MockBehaviour(log_path=log))
    other = MockGateway("flash_sms", MockBehaviour(log_path=log))  # another worker
    first = one.send_many([message("b-1"), message("b-2")])
    again = other.send_many([message("b-2"), message("b-3")])
    assert [isinstance(a, Receipt) and a.duplicate for a in first] == [False, False]
    assert [isinstance(a, Receipt) and a.duplicate for a in again] == [True, False]
    assert [line["delivery_id"] for line in log_lines(log)] == ["b-1", "b-2", "b-3"]
    assert other.send(message("b-1")).duplicate


def test_a_batch_answers_each_message_as_a_send_would(tmp_path: Path) -> None:
    busy = MockGateway("flash_sms", MockBehaviour(fail_rate=1.0))
    down = MockGateway("flash_sms", MockBehaviour(down=True))
    assert all(isinstance(a, TransientError) for a in busy.send_many([message("x")] * 3))
    assert all(isinstance(a, PermanentError) for a in down.send_many([message("y")] * 2))
    assert busy.accepted == [] and down.accepted == []


def test_a_batch_spends_one_round_trip() -> None:
    gateway = MockGateway("flash_sms", MockBehaviour(latency_ms=200))
    start = time.monotonic()
    gateway.send_many([message(f"r-{n}") for n in range(10)])
    assert 0.19 < time.monotonic() - start < 1.0


def test_first_tries_sort_a_batch_into_sent_refused_and_to_retry() -> None:
    from warn.channels.sending import SendOutcome, first_tries

    class HalfBusy:
        name = "flash_sms"

        def send(self, msg: OutboundMessage) -> Receipt:
            raise AssertionError("a batch gateway is sent batches")

        def send_many(self, messages: list[OutboundMessage]) -> list[object]:
            return [Receipt("g-1", False), TransientError("busy"), PermanentError("refused")]

    answers = first_tries(HalfBusy(), [message("1"), message("2"), message("3")])
    assert answers is not None
    sent, retry, refused = answers
    assert isinstance(sent, SendOutcome) and sent.attempts == 1
    assert retry is None
    assert isinstance(refused, NotAccepted) and refused.permanent and refused.attempts == 1
    no_batches = type("OneByOne", (), {"name": "flash_sms", "send": lambda self, m: None})()
    assert first_tries(no_batches, [message("4")]) is None
