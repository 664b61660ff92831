"""Work running in a worker sends what it creates itself; everything else goes onward."""

from collections.abc import Sequence
from typing import Any

import pytest

from warn.dispatch import DeliverInPlace, in_place
from warn.service import delivering
from warn.service.context import Context


class Onward:
    def __init__(self) -> None:
        self.calls: list[tuple[str, list[Any]]] = []

    def process_signals(self, signal_ids: Sequence[str]) -> None:
        self.calls.append(("process_signals", list(signal_ids)))

    def deliver(self, delivery_ids: Sequence[str]) -> None:
        self.calls.append(("deliver", list(delivery_ids)))

    def fire_timers(self, timer_ids: Sequence[int]) -> None:
        self.calls.append(("fire_timers", list(timer_ids)))

    def assign_teams(self) -> None:
        self.calls.append(("assign_teams", []))


def test_deliveries_are_sent_here_and_the_rest_is_handed_on(
        monkeypatch: pytest.MonkeyPatch) -> None:
    onward = Onward()
    ctx = Context(engine=None, sessions=None, policy=None, dispatcher=onward,  # type: ignore[arg-type]
                  gateways={})
    sent: list[tuple[Context, list[str]]] = []
    monkeypatch.setattr(delivering, "deliver_many",
                        lambda c, ids: sent.append((c, list(ids))) or {})
    here = in_place(ctx)
    assert isinstance(here.dispatcher, DeliverInPlace)
    here.dispatcher.deliver(["d1", "d2"])
    here.dispatcher.deliver([])
    here.dispatcher.process_signals(["s1"])
    here.dispatcher.fire_timers([7])
    here.dispatcher.assign_teams()
    # Sent with the in-place context, so what a failed send creates is sent here too.
    assert sent == [(here, ["d1", "d2"])]
    assert onward.calls == [("process_signals", ["s1"]), ("fire_timers", [7]),
                            ("assign_teams", [])]
