"""`warn serve`'s publisher: at once when quiet, one message per task per gap when busy."""

import itertools
import time

import pytest

from warn import dispatch
from warn.dispatch import CeleryDispatcher


def test_ids_coming_steadily_travel_a_message_per_gap_and_none_is_lost(
        monkeypatch: pytest.MonkeyPatch) -> None:
    published: list[tuple[float, str, list[str]]] = []
    monkeypatch.setattr(dispatch, "_publish", lambda task, ids: published.append(
        (time.monotonic(), task, ids)))
    publisher = CeleryDispatcher(window_s=0.002, min_gap_s=0.2)
    started = time.monotonic()
    sent = [f"s{n}" for n in range(60)]
    for signal_id in sent:  # 60 ids over ≈ 0.6 s
        publisher.process_signals([signal_id])
        time.sleep(0.01)
    time.sleep(0.5)
    assert [i for _, _, ids in published for i in ids] == sent
    assert published[0][0] - started < 0.1  # a quiet publisher sends at once
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(published)]
    assert gaps and min(gaps) >= 0.19  # then at most one message per gap


def test_a_publisher_without_a_window_publishes_in_the_callers_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    published: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(dispatch, "_publish", lambda task, ids: published.append((task, ids)))
    CeleryDispatcher().deliver(["d1", "d2"])
    assert published == [("deliver", ["d1", "d2"])]
