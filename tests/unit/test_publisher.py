"""The publisher of `warn serve`: bulk signals at once when quiet and one message per gap
when busy; urgent lanes at once, always."""

import itertools
import threading
import time

from warn.work import Work
from workers.lanes import BULK, DELIVER, DELIVERIES, PROCESS_SIGNALS, URGENT, messages
from workers.publisher import MAX_BULK_IDS_PER_MESSAGE, Publisher

Sent = list[tuple[float, str, str, list[object]]]


def recording() -> tuple[Sent, object]:
    sent: Sent = []
    lock = threading.Lock()

    def send(task: str, lane: str, ids: list[object]) -> None:
        with lock:
            sent.append((time.monotonic(), task, lane, ids))
    return sent, send


def test_bulk_ids_coming_steadily_travel_a_message_per_gap_and_none_is_lost() -> None:
    sent, send = recording()
    publisher = Publisher(send, window_s=0.002, min_gap_s=0.2)  # type: ignore[arg-type]
    started = time.monotonic()
    ids = [f"s{n}" for n in range(60)]
    for signal_id in ids:  # 60 ids over ≈ 0.6 s
        publisher.publish(messages(Work(bulk_signals=[signal_id])))
        time.sleep(0.01)
    time.sleep(0.5)
    assert [i for *_, batch in sent for i in batch] == ids
    assert {lane for _, _, lane, _ in sent} == {BULK}
    assert sent[0][0] - started < 0.1  # a quiet publisher sends at once
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(sent)]
    assert gaps and min(gaps) >= 0.19  # then at most one message per gap


def test_urgent_work_never_waits_for_the_bulk_window() -> None:
    sent, send = recording()
    publisher = Publisher(send, window_s=0.5, min_gap_s=0.5)  # type: ignore[arg-type]
    publisher.publish(messages(Work(bulk_signals=["b1"], urgent_signals=["u1"],
                                    deliveries=["d1"])))
    assert [(task, lane, ids) for _, task, lane, ids in sent] == [
        (DELIVER, DELIVERIES, ["d1"]), (PROCESS_SIGNALS, URGENT, ["u1"])]
    publisher.flush()
    assert sent[-1][1:] == (PROCESS_SIGNALS, BULK, ["b1"])


def test_a_publisher_without_a_window_publishes_in_the_callers_thread() -> None:
    sent, send = recording()
    Publisher(send).publish(messages(Work(deliveries=["d1", "d2"])))  # type: ignore[arg-type]
    assert [entry[1:] for entry in sent] == [(DELIVER, DELIVERIES, ["d1", "d2"])]


def test_a_bulk_message_is_one_processing_batch() -> None:
    sent, send = recording()
    ids = [f"s{n}" for n in range(2 * MAX_BULK_IDS_PER_MESSAGE + 1)]
    Publisher(send).publish(messages(Work(bulk_signals=ids)))  # type: ignore[arg-type]
    assert [len(batch) for *_, batch in sent] == [MAX_BULK_IDS_PER_MESSAGE,
                                                  MAX_BULK_IDS_PER_MESSAGE, 1]
