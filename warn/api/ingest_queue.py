"""Group commit for small `POST /v1/signals` requests.

A request's 202 may only go out once its signals are committed, and a commit with its
transaction costs a few milliseconds of a server process, however small the request. So
small requests do not each open a transaction: they queue here, and one thread stores
whatever has queued in one transaction (`ingest_requests`), then answers each request. A
quiet server stores a lone request at once; a busy one stores the requests that came in
during the previous commit together.
"""

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future

from warn.service.context import Context
from warn.service.ingest import MAX_BATCH, Outcome, Request, ingest_requests
from warn.work import HandOff

# Requests with more items than this are stored on their own: they are their own batch.
SMALL = 10


class IngestQueue:
    def __init__(self, get_context: Callable[[], Context], hand_off: HandOff,
                 max_items: int = MAX_BATCH):
        self._get_context = get_context
        self._hand_off = hand_off
        self._max_items = max_items
        self._pending: list[tuple[Request, Future[Outcome]]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def submit(self, items: Sequence[object], actor: tuple[str, str] | None
               ) -> Future[Outcome]:
        future: Future[Outcome] = Future()
        with self._lock:
            self._pending.append(((items, actor), future))
            if self._thread is None or not self._thread.is_alive():
                # Started on first use: server processes may fork after importing.
                self._thread = threading.Thread(target=self._run, name="warn-ingest",
                                                daemon=True)
                self._thread.start()
        self._wake.set()
        return future

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            while taken := self._take():
                self._store(taken)

    def _take(self) -> list[tuple[Request, Future[Outcome]]]:
        with self._lock:
            count, items = 0, 0
            for (request_items, _), _future in self._pending:
                if count and items + len(request_items) > self._max_items:
                    break
                count, items = count + 1, items + len(request_items)
            taken, self._pending = self._pending[:count], self._pending[count:]
        return taken

    def _store(self, taken: list[tuple[Request, Future[Outcome]]]) -> None:
        try:
            outcomes, work = ingest_requests(self._get_context(),
                                             [request for request, _ in taken])
        except Exception as error:
            if len(taken) == 1:
                taken[0][1].set_exception(error)
                return
            # Whatever failed the shared transaction, it stays with the request it came from.
            for one in taken:
                self._store([one])
            return
        # Handed on before anyone is answered: an urgent signal's message is on its way
        # by the time its feed reads the 202.
        self._hand_off(work)
        for (_, future), outcome in zip(taken, outcomes, strict=True):
            future.set_result(outcome)
